//! Pages rendered on the server only (no island): reading needs no WebAssembly.

pub mod calendar;
pub mod contacts;
pub mod imports;

use crate::i18n::Texts;
use crate::ui::session::text;
use leptos::prelude::*;

/// A row of a details list (`<dl class="kv-grid">`): the label in the user's language and the
/// value; nothing for an empty value.
pub fn kv_row(
    t: Signal<&'static Texts>,
    label: fn(&'static Texts) -> &'static str,
    value: String,
) -> Option<impl IntoView> {
    (!value.trim().is_empty()).then(|| {
        view! {
            <div class="kv">
                <dt>{text(t, label)}</dt>
                <dd>{value}</dd>
            </div>
        }
    })
}
