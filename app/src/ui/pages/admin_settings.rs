//! /admin/settings: organisation-wide switches, with their audit trail.

use crate::api::settings::{
    get_settings, settings_audit, SetActivesyncService, SetRequireTwoFactor, SetTwoFactorMethod,
};
use crate::ui::components::audit_trail::AuditSection;
use crate::ui::components::field::{form_error, ErrorAlert, StatusNote, Switch};
use crate::ui::components::mail_delivery::MailSection;
use crate::ui::components::reauth::ReauthAction;
use crate::ui::resource::server_resource;
use crate::ui::session::text;
use crate::ui::session::{refresh_session, use_session, use_texts};
use leptos::prelude::*;

#[component]
pub(super) fn Settings() -> impl IntoView {
    let t = use_texts();
    let session = use_session();
    // Lifting the requirement asks for a fresh re-authentication: the dialog opens here.
    let require = ReauthAction::<SetRequireTwoFactor>::new();
    let service = ServerAction::<SetActivesyncService>::new();
    // Allowing email again asks for a fresh re-authentication.
    // A cancelled dialog reloads the settings, so the select shows what is stored.
    let cancelled = RwSignal::new(0u32);
    let method =
        ReauthAction::<SetTwoFactorMethod>::on_cancel(move || cancelled.update(|n| *n += 1));
    let changes = move || {
        (
            require.version().get(),
            service.version().get(),
            method.version().get(),
            cancelled.get(),
        )
    };
    let settings = server_resource(changes, |_| get_settings());
    let audit = server_resource(changes, |_| settings_audit());
    // Requiring 2FA for all may concern the admin too: learn it now, and the guard takes
    // them to enrolment (their session goes on).
    Effect::new(move |_| {
        if let Some(Ok(_)) = require.value().get() {
            refresh_session(session);
        }
    });
    // "App only" may send the admin, on email, to set up the app.
    Effect::new(move |_| {
        if let Some(Ok(_)) = method.value().get() {
            refresh_session(session);
        }
    });
    let value = require.value();
    let saved = Signal::derive(move || {
        (matches!(value.get(), Some(Ok(_)))
            || matches!(service.value().get(), Some(Ok(_)))
            || matches!(method.value().get(), Some(Ok(_))))
        .then(|| t.get().saved)
    });

    view! {
        <h1>{text(t, |t| t.settings_title)}</h1>
        <section class="card" aria-labelledby="security-title">
            <h2 id="security-title">{text(t, |t| t.security_title)}</h2>
            <Transition fallback=move || view! { <p>{text(t, |t| t.loading)}</p> }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Ok(s) => view! {
                            <Switch
                                id="require_two_factor_all"
                                label=Signal::derive(text(t, |t| t.require_two_factor_all))
                                checked=s.require_two_factor
                                busy=require.pending()
                                described_by="require-all-hint"
                                on_change=Callback::new(move |on| {
                                    require.dispatch(SetRequireTwoFactor { required: on });
                                })
                            />
                            <p class="hint" id="require-all-hint">{text(t, |t| t.require_all_hint)}</p>
                            <div class="field inline">
                                <label for="two_factor_policy">{text(t, |t| t.org_two_factor_method)}</label>
                                <select
                                    id="two_factor_policy"
                                    disabled=move || method.pending().get()
                                    on:change=move |ev| {
                                        let app_only = event_target_value(&ev) == "app";
                                        method.dispatch(SetTwoFactorMethod { app_only });
                                    }
                                >
                                    <option value="any" selected=!s.app_only>{text(t, |t| t.org_method_any)}</option>
                                    <option value="app" selected=s.app_only>{text(t, |t| t.org_method_app_only)}</option>
                                </select>
                            </div>
                            <Switch
                                id="activesync_service"
                                label=Signal::derive(text(t, |t| t.activesync_service))
                                checked=s.activesync_service
                                busy=service.pending()
                                on_change=Callback::new(move |on| {
                                    service.dispatch(SetActivesyncService { on });
                                })
                            />
                        }
                        .into_any(),
                        Err(e) => view! { <ErrorAlert message=Signal::derive(move || Some(e.text(t.get())))/> }.into_any(),
                    }
                })}
            </Transition>
            <ErrorAlert message=form_error(value, t)/>
            <ErrorAlert message=form_error(service.value(), t)/>
            <ErrorAlert message=form_error(method.value(), t)/>
            <StatusNote message=saved/>
        </section>
        <MailSection/>
        <AuditSection events=audit/>
    }
}
