//! What the console's modal dialogs share: moving the keyboard into them when they open, and
//! the two-button confirmation ("OK" / "Cancel") that asks before a flow starts.

use leptos::prelude::*;

/// Puts the keyboard on element `id` once the dialog holding it is shown (browser only).
pub fn focus_on_open(id: &'static str) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use wasm_bindgen::JsCast;
        if let Some(el) = document()
            .get_element_by_id(id)
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

/// A question that must be answered before going on; Escape is Cancel.
#[component]
pub fn ConfirmDialog(
    /// The dialog's accessible name (SPEC 2: every dialog has a title).
    #[prop(into)]
    title: Signal<&'static str>,
    #[prop(into)] message: Signal<&'static str>,
    #[prop(into)] ok_label: Signal<&'static str>,
    #[prop(into)] cancel_label: Signal<&'static str>,
    on_ok: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    focus_on_open("confirm-ok");
    view! {
        <div class="overlay" on:keydown=move |ev| if ev.key() == "Escape" { on_cancel.run(()) }>
            <div class="dialog card" role="dialog" aria-modal="true" aria-labelledby="confirm-title" aria-describedby="confirm-message">
                <h2 id="confirm-title">{move || title.get()}</h2>
                <p id="confirm-message">{move || message.get()}</p>
                <div class="buttons end">
                    <button type="button" class="plain" on:click=move |_| on_cancel.run(())>
                        {move || cancel_label.get()}
                    </button>
                    <button type="button" id="confirm-ok" on:click=move |_| on_ok.run(())>
                        {move || ok_label.get()}
                    </button>
                </div>
            </div>
        </div>
    }
}
