//! Display-only route guards. The server functions check access themselves; these only
//! decide what to show (or where to send the browser).

use super::super::pages::not_found::NotAllowed;
use super::super::session::use_session;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

fn login_redirect() -> impl IntoView {
    let location = use_location();
    let path = location.pathname.get_untracked();
    // After "Log out" the header has already gone to /login: no "next" back to it.
    let target = if path == "/login" {
        path
    } else {
        let here = path + &location.search.get_untracked();
        format!("/login?next={}", url_escape(&here))
    };
    view! { <Redirect path=target/> }
}

/// Percent-encodes a path for a query value.
fn url_escape(s: &str) -> String {
    crate::domain::text::percent_encode(s, b"/")
}

/// Where a user who must set up 2FA is sent from every other page.
pub const ENROL_PATH: &str = "/two-factor/setup";
/// Where a user who signed in with a one-time password is sent first.
pub const CHOOSE_PASSWORD_PATH: &str = "/password/choose";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    SignedOut,
    MustChoosePassword,
    MustEnrol,
    User,
    Admin,
}

/// A memo, so that other session changes (language, flags) do not rebuild the page.
fn access() -> Memo<Access> {
    let session = use_session();
    Memo::new(move |_| {
        session.with(|s| match &s.user {
            None => Access::SignedOut,
            Some(u) if u.must_change_password => Access::MustChoosePassword,
            Some(u) if u.must_enrol => Access::MustEnrol,
            Some(u) if u.is_admin => Access::Admin,
            Some(_) => Access::User,
        })
    })
}

/// Any signed-in user, whatever they still owe (the "choose your password" page).
#[component]
pub fn RequireSession(children: ChildrenFn) -> impl IntoView {
    let access = access();
    move || match access.get() {
        Access::SignedOut => login_redirect().into_any(),
        _ => children().into_any(),
    }
}

/// Any signed-in user, including one who must still enrol in 2FA (the enrolment page).
#[component]
pub fn RequireSignedIn(children: ChildrenFn) -> impl IntoView {
    let access = access();
    move || match access.get() {
        Access::SignedOut => login_redirect().into_any(),
        Access::MustChoosePassword => view! { <Redirect path=CHOOSE_PASSWORD_PATH/> }.into_any(),
        _ => children().into_any(),
    }
}

#[component]
pub fn RequireUser(children: ChildrenFn) -> impl IntoView {
    let access = access();
    move || match access.get() {
        Access::SignedOut => login_redirect().into_any(),
        Access::MustChoosePassword => view! { <Redirect path=CHOOSE_PASSWORD_PATH/> }.into_any(),
        Access::MustEnrol => view! { <Redirect path=ENROL_PATH/> }.into_any(),
        Access::User | Access::Admin => children().into_any(),
    }
}

#[component]
pub fn RequireAdmin(children: ChildrenFn) -> impl IntoView {
    let access = access();
    move || match access.get() {
        Access::SignedOut => login_redirect().into_any(),
        Access::MustChoosePassword => view! { <Redirect path=CHOOSE_PASSWORD_PATH/> }.into_any(),
        Access::MustEnrol => view! { <Redirect path=ENROL_PATH/> }.into_any(),
        Access::User => view! { <NotAllowed/> }.into_any(),
        Access::Admin => children().into_any(),
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
