//! The inputs of a second step: the code of the user's method (digits keypad on phones,
//! offered by the browser from the mail it just received) or, after "Use a recovery code
//! instead", a recovery code. Every code form uses them.

use super::field::Field;
use crate::ui::session::{text, use_texts};
use leptos::prelude::*;

#[component]
pub fn CodeInput(
    /// Both the element id and the form field name.
    name: &'static str,
    label: Signal<&'static str>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <Field
            name=name
            label=label
            autocomplete="one-time-code"
            inputmode="numeric"
            required=true
            error=error
        />
    }
}

/// The code field of a sign-in or re-authentication step, with the switch to a recovery code.
/// `app`: the user's method is the authenticator app (else email). `recovery_field`: the
/// hidden field that tells the server a recovery code was typed.
#[component]
pub fn SecondFactorInput(
    name: &'static str,
    recovery_field: &'static str,
    app: bool,
    /// Set while the user types a recovery code (the caller hides "Send a new code" then).
    recovery: RwSignal<bool>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let t = use_texts();
    view! {
        {move || {
            if recovery.get() {
                view! {
                    <input type="hidden" name=recovery_field value="1"/>
                    <Field
                        name=name
                        label=Signal::derive(text(t, |t| t.recovery_code_prompt))
                        required=true
                        error=error
                    />
                }
                .into_any()
            } else {
                let label = if app {
                    Signal::derive(text(t, |t| t.app_code_prompt))
                } else {
                    Signal::derive(text(t, |t| t.code_prompt))
                };
                view! { <CodeInput name=name label=label error=error/> }.into_any()
            }
        }}
    }
}

/// "Use a recovery code instead" / back to the code (outside the form: it submits nothing).
#[component]
pub fn RecoverySwitch(recovery: RwSignal<bool>) -> impl IntoView {
    let t = use_texts();
    view! {
        <button type="button" class="link" on:click=move |_| recovery.update(|r| *r = !*r)>
            {move || if recovery.get() { t.get().use_security_code } else { t.get().use_recovery_code }}
        </button>
    }
}
