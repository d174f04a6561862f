//! syncgate's console: pages, server functions and the rules they share. Compiled natively
//! with `ssr` (server rendering + the backend) and to WebAssembly with `hydrate`.
#![recursion_limit = "256"]

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod domain;
pub mod i18n;
pub mod ui;

pub use ui::app::{shell, App};

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
    // Lets end-to-end tests (and curious people) know the page is now interactive.
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
