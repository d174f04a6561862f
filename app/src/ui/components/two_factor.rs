//! The "Two-factor authentication" block: turning it on with an emailed code or an
//! authenticator app (each proven by a code), switching between them, turning it off, and the
//! recovery codes. Used on /preferences and on the enrolment page a user is sent to when an
//! admin requires 2FA.

use crate::api::dto::{AppEnrolment, EnrolStarted, Enrolled, Profile, TwoFactorMethod};
use crate::api::me::{ChangeEmail, ConfirmEmail};
use crate::api::two_factor::{
    ConfirmEnrolment, RenewRecoveryCodes, StartEnrolment, TurnOffTwoFactor,
};
use crate::domain::activesync;
use crate::domain::recovery_codes::FEW_LEFT;
use crate::i18n::fill;
use crate::ui::clipboard::copy_to_clipboard;
use crate::ui::components::activesync::EnrolSyncPasswordDialog;
use crate::ui::components::code_input::CodeInput;
use crate::ui::components::dialog::ConfirmDialog;
use crate::ui::components::field::{
    field_error, form_error, EmailField, ErrorAlert, SendNewCode, StatusNote,
};
use crate::ui::components::reauth::{resubmit, ReauthAction};
use crate::ui::components::recovery_codes::RecoveryCodes;
use crate::ui::session::text;
use crate::ui::session::{use_session, use_texts};
use leptos::prelude::*;

/// Where turning 2FA on stands when ActiveSync first needs a dedicated password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SyncPasswordStep {
    None,
    /// "Turning on two-factor verification requires a dedicated ActiveSync password." OK/Cancel.
    Notice,
    /// "Change ActiveSync password", whose Save starts the enrolment.
    Dialog,
}

fn method_value(m: TwoFactorMethod) -> &'static str {
    match m {
        TwoFactorMethod::Off => "off",
        TwoFactorMethod::Email => "email",
        TwoFactorMethod::App => "app",
    }
}

#[component]
pub fn TwoFactorBlock(
    profile: Profile,
    /// Runs after the stored state changed, so the page reloads it.
    #[prop(into)]
    changed: Callback<()>,
    /// Recovery codes to show once, owned by the page: they stay on screen while the page
    /// reloads the profile (which renders this block anew).
    codes: RwSignal<Option<Vec<String>>>,
) -> impl IntoView {
    let t = use_texts();
    let session = use_session();
    let stored = profile.two_factor;
    let required = profile.two_factor_is_required();
    let app_only = profile.app_only;
    // What the select shows: the stored method, or the one being set up.
    let shown = RwSignal::new(stored);
    let code_form = NodeRef::<leptos::html::Form>::new();
    // SPEC 1.3: with ActiveSync enabled and no sync password, turning 2FA on first asks for one.
    let needs_sync_password = stored == TwoFactorMethod::Off
        && activesync::enrolment_needs_sync_password(
            profile.activesync_enabled,
            profile.sync_password_set_at.is_some(),
        );
    let asking = RwSignal::new(SyncPasswordStep::None);
    let sync_form = NodeRef::<leptos::html::Form>::new();
    let request = move |resend: bool| StartEnrolment {
        resend,
        new_sync_password: None,
        confirm_sync_password: None,
        method: Some(method_value(shown.get_untracked()).to_string()),
    };
    // After re-authentication: the sync password dialog's form again, or the plain request.
    let enrol = ReauthAction::<StartEnrolment>::retrying(
        move |enrol| {
            if asking.get_untracked() == SyncPasswordStep::Dialog {
                resubmit(sync_form);
            } else {
                enrol.dispatch(request(false));
            }
        },
        move || {
            asking.set(SyncPasswordStep::None);
            shown.set(stored);
        },
    );
    let resend = ReauthAction::<StartEnrolment>::new();
    let confirm = ReauthAction::<ConfirmEnrolment>::for_form(code_form);
    let off = ReauthAction::<TurnOffTwoFactor>::on_cancel(move || shown.set(stored));
    let renew = ReauthAction::<RenewRecoveryCodes>::new();
    let give_up = move || {
        asking.set(SyncPasswordStep::None);
        enrol.value().set(None);
        shown.set(stored);
    };
    Effect::new(move |_| {
        if let Some(Ok(Enrolled {
            session: info,
            recovery_codes,
        })) = confirm.value().get()
        {
            if !recovery_codes.is_empty() {
                codes.set(Some(recovery_codes));
            }
            session.set(info);
            changed.run(());
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(new)) = renew.value().get() {
            codes.set(Some(new));
            changed.run(());
        }
    });
    Effect::new(move |_| match off.value().get() {
        Some(Ok(())) => changed.run(()),
        Some(Err(e)) if e != crate::api::error::AppError::ReauthRequired => shown.set(stored),
        _ => {}
    });
    Effect::new(move |_| match enrol.value().get() {
        Some(Ok(_)) => asking.set(SyncPasswordStep::None),
        // Errors in the sync password dialog are shown there, beside its fields.
        Some(Err(e))
            if e != crate::api::error::AppError::ReauthRequired
                && asking.get_untracked() != SyncPasswordStep::Dialog =>
        {
            shown.set(stored)
        }
        _ => {}
    });
    // What the first step answered, while its proof is awaited.
    let started = Memo::new(move |_| enrol.value().with(|v| v.clone().and_then(Result::ok)));
    let masked = crate::api::dto::mask_email(&profile.email);
    let has_email = profile.has_email();
    let codes_left = profile.recovery_codes_left;
    let username = profile.username.clone();
    let selector_error = Signal::derive(move || {
        field_error(enrol.value(), "two_factor", t)
            .get()
            .or_else(|| field_error(off.value(), "two_factor", t).get())
            .or_else(|| field_error(confirm.value(), "two_factor", t).get())
    });
    let choose = move |m: TwoFactorMethod| {
        shown.set(m);
        enrol.value().set(None);
        if m == stored {
            return;
        }
        match m {
            TwoFactorMethod::Off => {
                off.dispatch(TurnOffTwoFactor {});
            }
            TwoFactorMethod::Email | TwoFactorMethod::App => {
                if needs_sync_password {
                    asking.set(SyncPasswordStep::Notice);
                } else {
                    enrol.dispatch(request(false));
                }
            }
        }
    };

    view! {
        <section class="card" id="two-factor" aria-labelledby="two-factor-title">
            <h2 id="two-factor-title">{text(t, |t| t.two_factor)}</h2>
            <p class="muted">{text(t, |t| t.two_factor_intro)}</p>
            <div class="field inline">
                <label for="two_factor_method">{text(t, |t| t.two_factor)}</label>
                <select
                    id="two_factor_method"
                    aria-describedby="two-factor-state"
                    aria-invalid=move || selector_error.with(Option::is_some).then_some("true")
                    disabled=move || enrol.pending().get() || off.pending().get()
                    prop:value=move || method_value(shown.get())
                    on:change=move |ev| match event_target_value(&ev).as_str() {
                        "email" => choose(TwoFactorMethod::Email),
                        "app" => choose(TwoFactorMethod::App),
                        "off" => choose(TwoFactorMethod::Off),
                        _ => {}
                    }
                >
                    <option value="off" disabled=required && stored != TwoFactorMethod::Off>
                        {text(t, |t| t.two_factor_off)}
                    </option>
                    <option value="email" disabled=app_only && stored != TwoFactorMethod::Email>
                        {text(t, |t| t.two_factor_email)}
                    </option>
                    <option value="app">{text(t, |t| t.two_factor_app)}</option>
                </select>
            </div>
            <div id="two-factor-state">
                {(stored == TwoFactorMethod::Email)
                    .then(|| {
                        let masked = masked.clone();
                        view! { <p>{move || fill(t.get().two_factor_on_note, &masked)}</p> }
                    })}
                {(stored == TwoFactorMethod::App)
                    .then(|| view! { <p>{text(t, |t| t.two_factor_on_app_note)}</p> })}
                {required.then(|| view! { <p>{text(t, |t| t.two_factor_required_note)}</p> })}
                {(!has_email && stored == TwoFactorMethod::Off)
                    .then(|| view! { <p>{text(t, |t| t.two_factor_no_email_note)}</p> })}
            </div>
            {move || selector_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <ErrorAlert message=form_error(enrol.value(), t)/>
            <ErrorAlert message=form_error(off.value(), t)/>
            {move || match asking.get() {
                SyncPasswordStep::None => None,
                SyncPasswordStep::Notice => Some(view! {
                    <ConfirmDialog
                        title=Signal::derive(text(t, |t| t.two_factor))
                        message=Signal::derive(text(t, |t| t.err_sync_password_needed_for_two_factor))
                        ok_label=Signal::derive(text(t, |t| t.ok))
                        cancel_label=Signal::derive(text(t, |t| t.cancel_dialog))
                        on_ok=Callback::new(move |()| asking.set(SyncPasswordStep::Dialog))
                        on_cancel=Callback::new(move |()| give_up())
                    />
                }.into_any()),
                SyncPasswordStep::Dialog => Some(view! {
                    <EnrolSyncPasswordDialog
                        action=enrol
                        form=sync_form
                        method=method_value(shown.get_untracked())
                        cancel=Callback::new(move |()| give_up())
                    />
                }.into_any()),
            }}
            {move || {
                started.get().map(|started| {
                    let value = confirm.value();
                    let (method, intro) = match started {
                        EnrolStarted::Email(to) => (
                            "email",
                            view! { <p role="status">{move || fill(t.get().enrol_code_sent, &to)}</p> }.into_any(),
                        ),
                        EnrolStarted::App(app) => ("app", view! { <AppSetup app=app/> }.into_any()),
                    };
                    let label = if method == "app" {
                        Signal::derive(text(t, |t| t.app_code_prompt))
                    } else {
                        Signal::derive(text(t, |t| t.code_prompt))
                    };
                    view! {
                        <div class="enrol">
                            {intro}
                            <ErrorAlert message=form_error(value, t)/>
                            <ActionForm action=confirm.action() node_ref=code_form>
                                <input type="hidden" name="method" value=method/>
                                <CodeInput name="code" label=label error=field_error(value, "code", t)/>
                                <div class="buttons">
                                    <button type="submit" disabled=move || confirm.pending().get()>
                                        {text(t, |t| t.verify)}
                                    </button>
                                    <button type="button" class="plain" on:click=move |_| give_up()>
                                        {text(t, |t| t.cancel)}
                                    </button>
                                </div>
                            </ActionForm>
                            {(method == "email").then(|| view! {
                                <SendNewCode
                                    pending=resend.pending()
                                    sent=Signal::derive(move || matches!(resend.value().get(), Some(Ok(_))))
                                    error=form_error(resend.value(), t)
                                    on_click=Callback::new(move |()| resend.dispatch(request(true)))
                                />
                            })}
                        </div>
                    }
                })
            }}
            {(stored != TwoFactorMethod::Off).then(|| view! {
                <div class="recovery-status">
                    <p>{move || fill(t.get().recovery_left, codes_left)}</p>
                    {(codes_left < FEW_LEFT).then(|| view! {
                        <p class="alert warning">{move || fill(t.get().recovery_few_left, codes_left)}</p>
                    })}
                    <ErrorAlert message=form_error(renew.value(), t)/>
                    <button type="button" disabled=move || renew.pending().get()
                        on:click=move |_| renew.dispatch(RenewRecoveryCodes {})>
                        {text(t, |t| t.recovery_make_new)}
                    </button>
                </div>
            })}
            {move || codes.get().map(|shown| view! {
                <RecoveryCodes
                    codes=shown
                    username=username.clone()
                    on_saved=Callback::new(move |()| codes.set(None))
                />
            })}
        </section>
    }
}

/// The new app's secret: the QR code, a link that opens the app on this phone, and the key as
/// text to type or copy.
#[component]
fn AppSetup(app: AppEnrolment) -> impl IntoView {
    let t = use_texts();
    let key = app.secret.clone();
    view! {
        <h3>{text(t, |t| t.app_enrol_title)}</h3>
        <p>{text(t, |t| t.app_enrol_intro)}</p>
        <img class="qr" src=app.qr_image width="200" height="200" alt=text(t, |t| t.app_qr_alt)/>
        <p><a href=app.uri>{text(t, |t| t.app_open_link)}</a></p>
        <div class="field inline">
            <label for="app_secret">{text(t, |t| t.app_secret_label)}</label>
            <input id="app_secret" type="text" readonly value=app.secret class="mono"/>
            <button type="button" on:click=move |_| copy_to_clipboard(&key)>{text(t, |t| t.copy)}</button>
        </div>
    }
}

/// The email form's actions and what watches them, owned by the page: their answers (the code
/// step, "saved") outlive the form, which the profile reload after a change renders anew.
#[derive(Clone, Copy)]
pub struct EmailActions {
    change: ReauthAction<ChangeEmail>,
    resend: ReauthAction<ChangeEmail>,
    confirm: ServerAction<ConfirmEmail>,
    form: NodeRef<leptos::html::Form>,
    /// The address submitted, for "Send a new code".
    typed: RwSignal<String>,
}

impl EmailActions {
    /// `changed` runs once the new address is confirmed.
    pub fn new(changed: Callback<()>) -> Self {
        let form = NodeRef::<leptos::html::Form>::new();
        let change = ReauthAction::<ChangeEmail>::for_form(form);
        let confirm = ServerAction::<ConfirmEmail>::new();
        let typed = RwSignal::new(String::new());
        Effect::new(move |_| {
            if let Some(Ok(())) = confirm.value().get() {
                change.value().set(None);
                changed.run(());
            }
        });
        Effect::new(move |_| {
            if let Some(input) = change.input().get() {
                typed.set(input.email);
            }
        });
        Self {
            change,
            resend: ReauthAction::new(),
            confirm,
            form,
            typed,
        }
    }
}

/// The user's email address: where codes and notices go. Changing it needs re-authentication
/// and a code sent to the new address, and is refused while it carries the second factor.
#[component]
pub fn EmailForm(profile: Profile, actions: EmailActions) -> impl IntoView {
    let t = use_texts();
    let EmailActions {
        change: action,
        resend,
        confirm,
        form,
        typed,
    } = actions;
    let code_form = NodeRef::<leptos::html::Form>::new();
    let value = action.value();
    let saved = Signal::derive(move || {
        matches!(confirm.value().get(), Some(Ok(()))).then(|| t.get().email_saved)
    });
    // Where the code went, while one is awaited.
    let code_to = Memo::new(move |_| value.with(|v| v.clone().and_then(Result::ok)));
    if profile.two_factor == TwoFactorMethod::Email {
        // The address carries the second factor: shown, not editable (the server agrees).
        return view! {
            <section class="card" aria-labelledby="email-title">
                <h2 id="email-title">{text(t, |t| t.email_title)}</h2>
                <p><strong>{profile.email.clone()}</strong></p>
                <p class="hint">{text(t, |t| t.err_email_fixed_by_two_factor)}</p>
            </section>
        }
        .into_any();
    }
    view! {
        <section class="card" aria-labelledby="email-title">
            <h2 id="email-title">{text(t, |t| t.email_title)}</h2>
            <ErrorAlert message=form_error(value, t)/>
            <ActionForm action=action.action() node_ref=form attr:aria-labelledby="email-title">
                <EmailField
                    current=profile.email.clone()
                    autocomplete="email"
                    required=true
                    error=field_error(value, "email", t)
                    pending=action.pending()
                />
            </ActionForm>
            {move || code_to.get().map(|to| {
                let cvalue = confirm.value();
                view! {
                    <div class="enrol">
                        <p role="status">{move || fill(t.get().email_code_sent, &to)}</p>
                        <ErrorAlert message=form_error(cvalue, t)/>
                        <ActionForm action=confirm node_ref=code_form>
                            <CodeInput
                                name="code"
                                label=Signal::derive(text(t, |t| t.code_prompt))
                                error=field_error(cvalue, "code", t)
                            />
                            <button type="submit" disabled=move || confirm.pending().get()>
                                {text(t, |t| t.verify)}
                            </button>
                        </ActionForm>
                        <SendNewCode
                            pending=resend.pending()
                            sent=Signal::derive(move || matches!(resend.value().get(), Some(Ok(_))))
                            error=form_error(resend.value(), t)
                            on_click=Callback::new(move |()| {
                                resend.dispatch(ChangeEmail { email: typed.get_untracked(), resend: true });
                            })
                        />
                    </div>
                }
            })}
            <StatusNote message=saved/>
        </section>
    }
    .into_any()
}
