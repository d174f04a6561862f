//! The top bar: product name, navigation for the signed-in user, and logout.

use crate::api::session::Logout;
use crate::ui::components::guard::{CHOOSE_PASSWORD_PATH, ENROL_PATH};
use crate::ui::navigate::go;
use crate::ui::session::text;
use crate::ui::session::{use_session, use_texts};
use leptos::prelude::*;

/// `here`: the path of the page, to mark its link as the current one.
#[island]
pub fn Header(here: String) -> impl IntoView {
    let session = use_session();
    let t = use_texts();
    let logout = ServerAction::<Logout>::new();
    // On a phone the links fold behind "Menu" (SPEC 2); on a wide screen the button is hidden.
    let (open, set_open) = signal(false);
    Effect::new(move |_| {
        if let Some(Ok(_)) = logout.value().get() {
            go("/login");
        }
    });
    // The pages' guards run on the server. When something done in this page closes it to the
    // user (an admin requiring 2FA of everyone, themselves included), they are sent on now.
    let owed_page = move || {
        session.with(|s| match &s.user {
            Some(u) if u.must_change_password => Some(CHOOSE_PASSWORD_PATH),
            Some(u) if u.must_enrol => Some(ENROL_PATH),
            _ => None,
        })
    };
    let page = here.clone();
    Effect::new(move |_| {
        if let Some(owed) = owed_page() {
            if page != owed {
                go(owed);
            }
        }
    });
    // An `<a>` with `aria-current="page"` when it leads to this page.
    let link = move |href: &'static str, label: fn(&'static crate::i18n::Texts) -> &'static str| {
        // The section's own pages too (a contact, an event).
        let current = (here == href || here.starts_with(&format!("{href}/"))).then_some("page");
        view! { <a href=href aria-current=current>{text(t, label)}</a> }
    };

    view! {
        <a class="skip" href="#main">{text(t, |t| t.skip_to_content)}</a>
        <header class="topbar">
            <a href="/preferences" class="brand">{text(t, |t| t.app_name)}</a>
            {move || {
                session
                    .get()
                    .user
                    .map(|user| {
                        let links = !user.must_enrol && !user.must_change_password;
                        view! {
                            {links
                                .then(|| {
                                    view! {
                                        <button
                                            type="button"
                                            class="menu-toggle secondary"
                                            aria-controls="main-menu"
                                            aria-expanded=move || if open.get() { "true" } else { "false" }
                                            on:click=move |_| set_open.update(|o| *o = !*o)
                                        >
                                            {text(t, |t| t.menu)}
                                        </button>
                                    }
                                })}
                            <nav id="main-menu" aria-label="main" class:open=move || open.get()>
                                {links
                                    .then(|| {
                                        (
                                            link("/preferences", |t| t.nav_preferences),
                                            link("/contacts", |t| t.nav_contacts),
                                            link("/calendar", |t| t.nav_calendar),
                                        )
                                    })}
                                {(user.is_admin && links)
                                    .then(|| {
                                        (link("/admin/users", |t| t.nav_users), link("/admin/settings", |t| t.nav_settings))
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
