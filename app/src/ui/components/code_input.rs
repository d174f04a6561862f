//! The one input for an emailed (later: an app's) code: digits keypad on phones, offered by
//! the browser from the mail it just received, required. Every code form uses it.

use super::field::Field;
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
