//! The top bar: product name, navigation for the signed-in user, and logout.

use crate::api::session::Logout;
use crate::ui::session::text;
use crate::ui::session::{use_session, use_texts};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

#[component]
pub fn Header() -> impl IntoView {
    let session = use_session();
    let t = use_texts();
    let logout = ServerAction::<Logout>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(info)) = logout.value().get() {
            // A fresh page load: nothing of the signed-in pages stays in memory, and no page
            // is left reacting to the change of user while it is torn down.
            #[cfg(feature = "hydrate")]
            if window().location().set_href("/login").is_ok() {
                return;
            }
            session.set(info);
            navigate("/login", Default::default());
        }
    });

    view! {
        <a class="skip" href="#main">{text(t, |t| t.skip_to_content)}</a>
        <header class="topbar">
            <A href="/preferences" attr:class="brand">{text(t, |t| t.app_name)}</A>
            {move || {
                session
                    .get()
                    .user
                    .map(|user| {
                        view! {
                            <nav aria-label="main">
                                {(!user.must_enrol && !user.must_change_password)
                                    .then(|| {
                                        view! { <A href="/preferences">{text(t, |t| t.nav_preferences)}</A> }
                                    })}
                                {(user.is_admin && !user.must_enrol && !user.must_change_password)
                                    .then(|| {
                                        view! {
                                            <A href="/admin/users">{text(t, |t| t.nav_users)}</A>
                                            <A href="/admin/settings">{text(t, |t| t.nav_settings)}</A>
                                        }
                                    })}
                            </nav>
                            <div class="who">
                                <span>
                                    {text(t, |t| t.signed_in_as)} " "
                                    <strong>{user.display_name.clone()}</strong>
                                </span>
                                <ActionForm action=logout>
                                    <button type="submit" class="secondary">
                                        {text(t, |t| t.nav_logout)}
                                    </button>
                                </ActionForm>
                            </div>
                        }
                    })
            }}
        </header>
    }
}
