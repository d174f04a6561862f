//! Recovery codes shown once (after 2FA is turned on, or "Make new codes"): copy, download as
//! `syncgate-recovery-codes.txt`, print; "I have saved them" closes the panel.

use crate::domain::recovery_codes::file_text;
use crate::ui::clipboard::copy_to_clipboard;
use crate::ui::session::{text, use_texts};
use leptos::prelude::*;

pub const FILE_NAME: &str = "syncgate-recovery-codes.txt";

/// Percent-encodes a text for a `data:` URL (spaces as `%20`, not `+`).
fn data_url(text: &str) -> String {
    format!(
        "data:text/plain;charset=utf-8,{}",
        crate::domain::text::percent_encode(text, &[])
    )
}

fn print_page() {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().print();
    }
}

#[component]
pub fn RecoveryCodes(
    codes: Vec<String>,
    username: String,
    /// "I have saved them".
    on_saved: Callback<()>,
) -> impl IntoView {
    let t = use_texts();
    let all = codes.join("\n");
    let copied = RwSignal::new(false);
    let download = Signal::derive({
        let codes = codes.clone();
        move || data_url(&file_text(t.get().recovery_file_heading, &username, &codes))
    });
    view! {
        <section class="card recovery-codes" aria-labelledby="recovery-title">
            <h2 id="recovery-title">{text(t, |t| t.recovery_title)}</h2>
            <p>{text(t, |t| t.recovery_intro)}</p>
            <ol class="codes" aria-labelledby="recovery-title">
                {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
            </ol>
            <div class="buttons">
                <button type="button" on:click=move |_| { copy_to_clipboard(&all); copied.set(true); }>
                    {move || if copied.get() { t.get().recovery_copied } else { t.get().copy }}
                </button>
                <a class="button" href=download download=FILE_NAME>{text(t, |t| t.recovery_download)}</a>
                <button type="button" on:click=move |_| print_page()>{text(t, |t| t.recovery_print)}</button>
                <button type="button" class="primary" on:click=move |_| on_saved.run(())>
                    {text(t, |t| t.recovery_saved)}
                </button>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_download_is_the_file_text_percent_encoded() {
        assert_eq!(
            data_url("a b\nc-1"),
            "data:text/plain;charset=utf-8,a%20b%0Ac-1"
        );
    }
}
