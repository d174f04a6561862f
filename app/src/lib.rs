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
    use leptos::prelude::{provide_context, RwSignal};
    console_error_panic_hook::set_once();
    // The root every island is hydrated under (`ui/islands.js` calls them next): what it
    // provides, the islands of a page share, as `App` provides it on the server.
    leptos::mount::hydrate_islands();
    provide_context(RwSignal::new(ui::session::initial()));
    ui::session::provide_texts();
    ui::components::reauth::ReauthGate::provide();
}
