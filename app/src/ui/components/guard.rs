//! Display-only route guards. The server functions check access themselves; these only
//! decide what to show (or where to send the browser).

use super::super::pages::not_found::NotAllowed;
use super::super::session::use_session;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

fn login_redirect() -> impl IntoView {
    let location = use_location();
    let here = location.pathname.get_untracked() + &location.search.get_untracked();
    let next: String = url_escape(&here);
    view! { <Redirect path=format!("/login?next={next}")/> }
}

/// Percent-encodes a path for a query value.
fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[component]
pub fn RequireUser(children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    // A memo, so that other session changes (language, flags) do not rebuild the page.
    let signed_in = Memo::new(move |_| session.with(|s| s.user.is_some()));
    move || {
        if signed_in.get() {
            children().into_any()
        } else {
            login_redirect().into_any()
        }
    }
}

#[component]
pub fn RequireAdmin(children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let admin = Memo::new(move |_| session.with(|s| s.user.as_ref().map(|u| u.is_admin)));
    move || match admin.get() {
        None => login_redirect().into_any(),
        Some(false) => view! { <NotAllowed/> }.into_any(),
        Some(true) => children().into_any(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_parameter_is_escaped() {
        assert_eq!(
            super::url_escape("/admin/users?q=a b&x"),
            "/admin/users%3Fq%3Da%20b%26x"
        );
    }
}
