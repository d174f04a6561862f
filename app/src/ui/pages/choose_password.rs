//! /password/choose: where a user who signed in with a one-time password (set by an admin,
//! the command line or at first start) is sent until they choose their own. Nothing else is
//! open to them meanwhile; the server refuses it too, and so does the ActiveSync door.

use crate::api::me::ChoosePassword;
use crate::ui::components::field::{form_error, new_password_fields, ErrorAlert};
use crate::ui::components::guard::ENROL_PATH;
use crate::ui::navigate::go;
use crate::ui::session::text;
use crate::ui::session::{use_session, use_texts};
use leptos::prelude::*;

/// What the user still owes: (a password of their own, 2FA set-up).
pub(crate) fn owed(session: RwSignal<crate::api::dto::SessionInfo>) -> Option<(bool, bool)> {
    session.with_untracked(|s| {
        s.user
            .as_ref()
            .map(|u| (u.must_change_password, u.must_enrol))
    })
}

/// Where a user goes once their password is chosen.
pub(crate) fn next_page(owed: Option<(bool, bool)>) -> &'static str {
    match owed {
        Some((_, true)) => ENROL_PATH,
        _ => "/preferences",
    }
}

#[component]
pub(super) fn ChoosePasswordStep() -> impl IntoView {
    let t = use_texts();
    let session = use_session();
    let action = ServerAction::<ChoosePassword>::new();
    let value = action.value();
    Effect::new(move |_| {
        if let Some(Ok(info)) = value.get() {
            session.set(info);
            go(next_page(owed(session)));
        }
    });
    view! {
            <h1 id="choose-title">{text(t, |t| t.choose_password_title)}</h1>
            <p class="alert warning">{text(t, |t| t.choose_password_intro)}</p>
            <section class="card">
                <ErrorAlert message=form_error(value, t)/>
                <ActionForm action=action attr:aria-labelledby="choose-title">
                    {new_password_fields(value, t)}
                    <button type="submit" disabled=move || action.pending().get()>
                        {text(t, |t| t.save)}
                    </button>
                </ActionForm>
            </section>
    }
}
