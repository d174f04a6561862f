//! /two-factor/setup: where a user whom an admin requires to use 2FA is sent until they have
//! set it up. Nothing else is open to them meanwhile (the server refuses it too).

use crate::api::me::my_profile;
use crate::ui::components::field::ErrorAlert;
use crate::ui::components::two_factor::{EmailActions, EmailForm, TwoFactorBlock};
use crate::ui::navigate::go;
use crate::ui::resource::server_resource;
use crate::ui::session::text;
use crate::ui::session::{use_session, use_texts};
use leptos::prelude::*;

#[component]
pub(super) fn Enrol() -> impl IntoView {
    let t = use_texts();
    let session = use_session();
    let must_enrol =
        Memo::new(move |_| session.with(|s| s.user.as_ref().is_some_and(|u| u.must_enrol)));
    let reload = RwSignal::new(0u32);
    let changed = Callback::new(move |()| reload.update(|n| *n += 1));
    let email = EmailActions::new(changed);
    // Recovery codes just made, shown once (they outlive the profile's reloads).
    let codes = RwSignal::new(None::<Vec<String>>);
    let profile = server_resource(move || reload.get(), |_| my_profile());
    move || {
        if !must_enrol.get() && codes.with(Option::is_none) {
            // Set up (and the recovery codes saved): the rest of the console is open now.
            go("/preferences");
            return ().into_any();
        }
        view! {
            <h1>{text(t, |t| t.enrol_title)}</h1>
            <p class="alert warning">{text(t, |t| t.enrol_intro)}</p>
            <Transition fallback=move || view! { <p>{text(t, |t| t.loading)}</p> }>
                {move || Suspend::new(async move {
                    match profile.await {
                        Ok(p) => {
                            let has_email = p.has_email();
                            let switch_to_app = p.app_only && p.two_factor == crate::api::dto::TwoFactorMethod::Email;
                            view! {
                                {switch_to_app.then(|| view! { <p class="alert warning">{text(t, |t| t.enrol_app_only)}</p> })}
                                {(!has_email && !p.app_only).then(|| view! { <p class="alert warning">{text(t, |t| t.enrol_no_email)}</p> })}
                                <TwoFactorBlock profile=p.clone() changed=changed codes=codes/>
                                {(!has_email).then(|| view! { <EmailForm profile=p.clone() actions=email/> })}
                            }
                            .into_any()
                        }
                        Err(e) => view! { <ErrorAlert message=Signal::derive(move || Some(e.text(t.get())))/> }.into_any(),
                    }
                })}
            </Transition>
        }
        .into_any()
    }
}
