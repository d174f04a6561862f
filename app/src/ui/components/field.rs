//! A labelled input with its error beside it.

use crate::api::error::AppError;
use crate::i18n::Texts;
use crate::ui::session::text;
use leptos::prelude::*;

#[component]
pub fn Field(
    /// Both the element id and the form field name (the server function's argument).
    name: &'static str,
    label: Signal<&'static str>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional)] required: bool,
    /// The initial value (for editing what is stored).
    #[prop(optional, into)]
    value: Option<String>,
    #[prop(optional, into)] hint: Option<Signal<&'static str>>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let error_id = format!("{name}-error");
    let hint_id = format!("{name}-hint");
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error.with(Option::is_some) {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <label for=name>{label}</label>
            <input
                id=name
                name=name
                type=kind
                autocomplete=autocomplete
                inputmode=inputmode
                value=value
                required=required
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described_by
            />
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            {move || {
                error
                    .get()
                    .map(|e| view! { <p class="field-error" id=error_id.clone() role="alert">{e}</p> })
            }}
        </div>
    }
}

/// The email address and its Save button, in the user's own form and in the admin's.
#[component]
pub fn EmailField(
    current: String,
    autocomplete: &'static str,
    #[prop(optional)] required: bool,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(into)] pending: Signal<bool>,
) -> impl IntoView {
    let t = crate::ui::session::use_texts();
    view! {
        <Field
            name="email"
            kind="email"
            autocomplete=autocomplete
            required=required
            value=current
            label=Signal::derive(text(t, |t| t.email))
            hint=Signal::derive(text(t, |t| t.email_hint))
            error=error
        />
        <button type="submit" disabled=move || pending.get()>
            {text(t, |t| t.save)}
        </button>
    }
}

/// The message for `field` out of an action's last result.
pub fn field_error<T, S>(
    value: S,
    field: &'static str,
    texts: Signal<&'static Texts>,
) -> Signal<Option<String>>
where
    S: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || {
        value.with(|v| match v {
            Some(Err(e)) => e.for_field(field).map(|m| m.text(texts.get()).to_string()),
            _ => None,
        })
    })
}

/// "New password" and "Confirm password" with their errors (changing the password, and
/// choosing one's own after a one-time password).
pub fn new_password_fields<T, S>(value: S, texts: Signal<&'static Texts>) -> impl IntoView
where
    T: Send + Sync + 'static,
    S: With<Value = Option<Result<T, AppError>>> + Copy + Send + Sync + 'static,
{
    let t = texts;
    view! {
        <Field
            name="new_password"
            kind="password"
            autocomplete="new-password"
            required=true
            label=Signal::derive(text(t, |t| t.new_password))
            hint=Signal::derive(text(t, |t| t.password_hint))
            error=field_error(value, "new_password", t)
        />
        <Field
            name="confirm_password"
            kind="password"
            autocomplete="new-password"
            required=true
            label=Signal::derive(text(t, |t| t.confirm_password))
            error=field_error(value, "confirm_password", t)
        />
    }
}

/// Any error of an action's last result that is not about a field. `ReauthRequired` is not
/// shown: the re-authentication dialog answers it.
pub fn form_error<T, S>(value: S, texts: Signal<&'static Texts>) -> Signal<Option<String>>
where
    S: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || {
        value.with(|v| match v {
            Some(Err(AppError::Invalid { .. } | AppError::ReauthRequired)) | None | Some(Ok(_)) => {
                None
            }
            Some(Err(e)) => Some(e.text(texts.get())),
        })
    })
}

/// A page-level alert; renders nothing when there is no message.
#[component]
pub fn ErrorAlert(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message
            .get()
            .map(|m| view! { <p class="alert error" role="alert">{m}</p> })
    }
}

/// A polite confirmation ("Saved.").
#[component]
pub fn StatusNote(#[prop(into)] message: Signal<Option<&'static str>>) -> impl IntoView {
    view! {
        <p class="status-note" role="status">
            {move || message.get()}
        </p>
    }
}

/// "Send a new code" under a code field, with what became of the last request.
#[component]
pub fn SendNewCode(
    #[prop(into)] pending: Signal<bool>,
    /// The last request succeeded: a new code is on its way.
    #[prop(into)]
    sent: Signal<bool>,
    #[prop(into)] error: Signal<Option<String>>,
    on_click: Callback<()>,
) -> impl IntoView {
    let t = crate::ui::session::use_texts();
    view! {
        <button type="button" class="link" disabled=move || pending.get() on:click=move |_| on_click.run(())>
            {text(t, |t| t.send_new_code)}
        </button>
        <ErrorAlert message=error/>
        <StatusNote message=Signal::derive(move || sent.get().then(|| t.get().new_code_sent))/>
    }
}

/// A labelled checkbox that acts at once (an admin switch): disabled while its request runs.
#[component]
pub fn Switch(
    id: &'static str,
    label: Signal<&'static str>,
    checked: bool,
    #[prop(into)] busy: Signal<bool>,
    on_change: Callback<bool>,
    #[prop(optional)] described_by: Option<&'static str>,
) -> impl IntoView {
    view! {
        <div class="field checkbox">
            <input
                type="checkbox"
                id=id
                aria-describedby=described_by
                prop:checked=checked
                disabled=move || busy.get()
                on:change=move |ev| on_change.run(event_target_checked(&ev))
            />
            <label for=id>{label}</label>
        </div>
    }
}
