//! "Mail delivery" on /admin/settings: SMTP, password or Office 365 OAuth2, "Send test email".

use crate::api::dto::{
    MailFailedAt, MailFailure, MailSettings, MailSettingsForm, MailSource, MailStep, MailTestReport,
};
use crate::api::settings::{get_mail_settings, SaveMailSettings, SendTestEmail};
use crate::domain::mail_delivery::{microsoft_token_url, Security, SignIn, TokenProblem};
use crate::i18n::{fill, Texts};
use crate::ui::components::field::{field_error, form_error, ErrorAlert, StatusNote};
use crate::ui::components::mail_banner::BannerRefresh;
use crate::ui::components::reauth::ReauthAction;
use crate::ui::resource::server_resource;
use crate::ui::session::{text, use_texts};
use leptos::prelude::*;

#[component]
pub fn MailSection() -> impl IntoView {
    let t = use_texts();
    let save = ReauthAction::<SaveMailSettings>::new();
    // Reloaded after a save that went through only: a refused one keeps what was typed.
    let saves = RwSignal::new(0u32);
    let banner = use_context::<BannerRefresh>();
    Effect::new(move |_| {
        if matches!(save.value().get(), Some(Ok(_))) {
            saves.update(|n| *n += 1);
            if let Some(BannerRefresh(version)) = banner {
                version.update(|n| *n += 1);
            }
        }
    });
    let test = ServerAction::<SendTestEmail>::new();
    let settings = server_resource(move || saves.get(), |_| get_mail_settings());
    let saved =
        Signal::derive(move || matches!(save.value().get(), Some(Ok(_))).then(|| t.get().saved));
    view! {
        <section class="card" aria-labelledby="mail-title">
            <h2 id="mail-title">{text(t, |t| t.mail_title)}</h2>
            <p class="hint">{text(t, |t| t.mail_intro)}</p>
            <Transition fallback=move || view! { <p>{text(t, |t| t.loading)}</p> }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Ok(s) => view! { <MailForm s=s save=save/> }.into_any(),
                        Err(e) => view! { <ErrorAlert message=Signal::derive(move || Some(e.text(t.get())))/> }.into_any(),
                    }
                })}
            </Transition>
            <ErrorAlert message=form_error(save.value(), t)/>
            <StatusNote message=saved/>
            <div class="actions">
                <button
                    type="button"
                    class="outline"
                    disabled=move || test.pending().get()
                    on:click=move |_| {
                        test.dispatch(SendTestEmail {});
                    }
                >
                    {text(t, |t| t.mail_send_test)}
                </button>
            </div>
            {move || test.pending().get().then(|| view! { <p class="muted">{text(t, |t| t.mail_test_sending)}</p> })}
            {move || match test.value().get() {
                Some(Ok(report)) => view! { <TestReport report=report/> }.into_any(),
                Some(Err(e)) => {
                    let message = Signal::derive(move || Some(e.text(t.get())));
                    view! { <ErrorAlert message=message/> }.into_any()
                }
                None => ().into_any(),
            }}
        </section>
    }
}

/// An input bound to a signal (the form is sent as JSON, not as form fields).
#[component]
fn MailInput(
    id: &'static str,
    #[prop(into)] label: Signal<&'static str>,
    value: RwSignal<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional)] disabled: bool,
    #[prop(optional, into)] hint: Option<Signal<String>>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let described = hint.is_some().then(|| hint_id.clone());
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                type=kind
                inputmode=inputmode
                autocomplete="off"
                disabled=disabled
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described
            />
            {hint.map(|h| {
                move || {
                    let words = h.get();
                    (!words.is_empty()).then(|| view! { <p class="hint" id=hint_id.clone()>{words}</p> })
                }
            })}
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        </div>
    }
}

#[component]
fn MailForm(s: MailSettings, save: ReauthAction<SaveMailSettings>) -> impl IntoView {
    let t = use_texts();
    let locked = s.source == MailSource::Environment;
    let test_to = s.test_to.clone();
    let sender_locked = locked || s.sender_from_environment;
    let host = RwSignal::new(s.host.clone());
    let port = RwSignal::new(s.port.to_string());
    let security = RwSignal::new(s.security.as_str().to_string());
    let from_address = RwSignal::new(s.from_address.clone());
    let from_name = RwSignal::new(s.from_name.clone());
    let sign_in = RwSignal::new(s.sign_in.as_str().to_string());
    let username = RwSignal::new(s.username.clone());
    let password = RwSignal::new(String::new());
    let tenant_id = RwSignal::new(s.tenant_id.clone());
    let client_id = RwSignal::new(s.client_id.clone());
    let client_secret = RwSignal::new(String::new());
    let expires = RwSignal::new(
        s.secret_expires_on
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    let token_url = RwSignal::new(s.token_url.clone());
    let err = move |field: &'static str| field_error(save.value(), field, t);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveMailSettings {
            form: MailSettingsForm {
                host: host.get_untracked(),
                port: port.get_untracked(),
                security: security.get_untracked(),
                from_address: from_address.get_untracked(),
                from_name: from_name.get_untracked(),
                sign_in: sign_in.get_untracked(),
                username: username.get_untracked(),
                password: password.get_untracked(),
                tenant_id: tenant_id.get_untracked(),
                client_id: client_id.get_untracked(),
                client_secret: client_secret.get_untracked(),
                secret_expires_on: expires.get_untracked(),
                token_url: token_url.get_untracked(),
            },
        });
    };
    let source_note = match s.source {
        MailSource::Environment => Some(text(t, |t| t.mail_source_environment)),
        MailSource::Outbox => Some(text(t, |t| t.mail_source_outbox)),
        MailSource::Console => None,
    };
    let password_label = if s.password_saved {
        text(t, |t| t.mail_password_replace)
    } else {
        text(t, |t| t.mail_password)
    };
    let secret_label = if s.client_secret_saved {
        text(t, |t| t.mail_client_secret_replace)
    } else {
        text(t, |t| t.mail_client_secret)
    };
    let password_saved = s.password_saved;
    let password_hint = Signal::derive(move || {
        if password_saved {
            t.get().mail_secret_saved_hint.to_string()
        } else {
            String::new()
        }
    });
    let secret_hint = Signal::derive(move || t.get().mail_client_secret_hint.to_string());
    let secret_saved = s.client_secret_saved;
    let token_hint = Signal::derive(move || {
        let tenant = tenant_id.get();
        let tenant = if tenant.trim().is_empty() {
            "…".to_string()
        } else {
            tenant
        };
        fill(
            t.get().mail_token_url_hint,
            microsoft_token_url(tenant.trim()),
        )
    });
    let fixed_hint = move |pick: fn(&'static Texts) -> &'static str| {
        Signal::derive(move || pick(t.get()).to_string())
    };
    let security_option = |value: Security, pick: fn(&'static Texts) -> &'static str| {
        view! { <option value=value.as_str() selected=s.security == value>{text(t, pick)}</option> }
    };
    let sign_in_option = |value: SignIn, pick: fn(&'static Texts) -> &'static str| {
        view! { <option value=value.as_str() selected=s.sign_in == value>{text(t, pick)}</option> }
    };
    view! {
        <form class="mail-settings" on:submit=submit>
            {source_note.map(|n| view! { <p class="alert warning" id="mail-source">{n}</p> })}
            <div class="grid2">
                <MailInput id="mail_host" label=text(t, |t| t.mail_host) value=host disabled=locked error=err("host")/>
                <MailInput id="mail_port" inputmode="numeric" label=text(t, |t| t.mail_port) value=port disabled=locked error=err("port")/>
            </div>
            <div class="field">
                <label for="mail_security">{text(t, |t| t.mail_security)}</label>
                <select id="mail_security" disabled=locked on:change=move |ev| security.set(event_target_value(&ev))>
                    {security_option(Security::StartTls, |t| t.mail_security_starttls)}
                    {security_option(Security::Tls, |t| t.mail_security_tls)}
                    {security_option(Security::None, |t| t.mail_security_none)}
                </select>
                {move || err("security").get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            </div>
            <div class="grid2">
                <MailInput id="mail_from_address" kind="email" label=text(t, |t| t.mail_from_address) value=from_address disabled=sender_locked error=err("from_address")/>
                <MailInput id="mail_from_name" label=text(t, |t| t.mail_from_name) value=from_name disabled=sender_locked error=err("from_name")/>
            </div>
            {(s.sender_from_environment && !locked).then(|| view! { <p class="hint">{text(t, |t| t.mail_sender_environment)}</p> })}
            <div class="field">
                <label for="mail_sign_in">{text(t, |t| t.mail_sign_in)}</label>
                <select id="mail_sign_in" disabled=locked on:change=move |ev| sign_in.set(event_target_value(&ev))>
                    {sign_in_option(SignIn::None, |t| t.mail_sign_in_none)}
                    {sign_in_option(SignIn::Password, |t| t.mail_sign_in_password)}
                    {sign_in_option(SignIn::OAuth2, |t| t.mail_sign_in_oauth2)}
                </select>
            </div>
            <Show when=move || sign_in.get() == SignIn::Password.as_str()>
                <div class="grid2">
                    <MailInput id="mail_username" label=text(t, |t| t.mail_username) value=username disabled=locked error=err("username")/>
                    <MailInput id="mail_password" kind="password" label=password_label value=password disabled=locked hint=password_hint error=err("password")/>
                </div>
            </Show>
            <Show when=move || sign_in.get() == SignIn::OAuth2.as_str()>
                <div class="grid2">
                    <MailInput id="mail_tenant_id" label=text(t, |t| t.mail_tenant_id) value=tenant_id disabled=locked hint=fixed_hint(|t| t.mail_tenant_hint) error=err("tenant_id")/>
                    <MailInput id="mail_client_id" label=text(t, |t| t.mail_client_id) value=client_id disabled=locked hint=fixed_hint(|t| t.mail_client_hint) error=err("client_id")/>
                </div>
                <div class="grid2">
                    <MailInput
                        id="mail_client_secret"
                        kind="password"
                        label=secret_label
                        value=client_secret
                        disabled=locked
                        hint=Signal::derive(move || {
                            let base = secret_hint.get();
                            if secret_saved { format!("{} {}", t.get().mail_secret_saved_hint, base) } else { base }
                        })
                        error=err("client_secret")
                    />
                    <MailInput id="mail_secret_expires" kind="date" label=text(t, |t| t.mail_secret_expires) value=expires disabled=locked error=err("secret_expires_on")/>
                </div>
                <MailInput id="mail_username" kind="email" label=text(t, |t| t.mail_oauth_username) value=username disabled=locked error=err("username")/>
                <MailInput id="mail_token_url" kind="url" label=text(t, |t| t.mail_token_url) value=token_url disabled=locked hint=token_hint error=err("token_url")/>
            </Show>
            {(!locked).then(|| view! {
                <div class="actions">
                    <button type="submit" disabled=move || save.pending().get()>{text(t, |t| t.mail_save)}</button>
                </div>
            })}
        </form>
        {test_to.map(|to| view! { <p class="hint" id="mail-test-to">{move || fill(t.get().mail_test_to, &to)}</p> })}
    }
}

fn step_text(t: &Texts, step: &MailStep) -> String {
    match step {
        MailStep::Resolved { address } => fill(t.mail_step_resolved, address),
        MailStep::Connected => t.mail_step_connected.into(),
        MailStep::Encrypted => t.mail_step_encrypted.into(),
        MailStep::TokenObtained => t.mail_step_token.into(),
        MailStep::SignedIn => t.mail_step_signed_in.into(),
        MailStep::Accepted { reply } => fill(t.mail_step_accepted, reply),
        MailStep::WrittenToOutbox => t.mail_step_outbox.into(),
    }
}

/// What failed, then what to check.
fn failure_texts(t: &Texts, f: &MailFailure) -> Vec<String> {
    let at = match f.at {
        MailFailedAt::Resolve => t.mail_fail_resolve,
        MailFailedAt::Connect => t.mail_fail_connect,
        MailFailedAt::Tls => t.mail_fail_tls,
        MailFailedAt::Token => t.mail_fail_token,
        MailFailedAt::SignIn => t.mail_fail_sign_in,
        MailFailedAt::Send => t.mail_fail_send,
        MailFailedAt::Timeout => t.mail_fail_timeout,
    };
    let mut lines = vec![at.to_string()];
    if let Some(problem) = f.token {
        lines.push(
            match problem {
                TokenProblem::WrongSecret => t.mail_token_wrong_secret,
                TokenProblem::SecretExpired => t.mail_token_secret_expired,
                TokenProblem::UnknownClient => t.mail_token_unknown_client,
                TokenProblem::UnknownTenant => t.mail_token_unknown_tenant,
                TokenProblem::Permission => t.mail_token_permission,
                TokenProblem::Unreachable => t.mail_token_unreachable,
                TokenProblem::Other => t.mail_token_other,
            }
            .to_string(),
        );
    }
    if let Some(code) = &f.code {
        lines.push(fill(t.mail_error_code, code));
    }
    lines
}

#[component]
fn TestReport(report: MailTestReport) -> impl IntoView {
    let t = use_texts();
    let MailTestReport { to, steps, failure } = report;
    let ok = failure.is_none();
    let summary = {
        let to = to.clone();
        move || {
            let t = t.get();
            fill(
                if ok {
                    t.mail_test_ok
                } else {
                    t.mail_test_failed
                },
                &to,
            )
        }
    };
    let detail = failure.as_ref().map(|f| f.detail.clone());
    let steps_view = move || {
        let t = t.get();
        steps
            .iter()
            .map(|s| view! { <li class="ok">"✓ "{step_text(t, s)}</li> })
            .collect_view()
    };
    let failure_view = move || {
        failure.as_ref().map(|f| {
            let t = t.get();
            let mut lines = failure_texts(t, f).into_iter();
            let first = lines.next().unwrap_or_default();
            view! {
                <li class="failed">"✗ "{first}</li>
                {lines.map(|l| view! { <li class="failed-hint">{l}</li> }).collect_view()}
            }
        })
    };
    view! {
        <div class="mail-test" role=if ok { "status" } else { "alert" }>
            <p class=if ok { "status-note" } else { "field-error" }>{summary}</p>
            <ul class="mail-steps">
                {steps_view}
                {failure_view}
            </ul>
            {detail.map(|d| view! { <p class="hint mail-detail">{d}</p> })}
        </div>
    }
}
