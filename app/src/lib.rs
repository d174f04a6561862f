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
    let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    else {
        return;
    };
    // Lazy routes hydrate asynchronously (their code arrives as a separate chunk).
    // `Err` only means the executor was set up already.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async move {
        leptos::mount::hydrate_from_async(body.clone(), App)
            .await
            .forget();
        // Lets end-to-end tests (and curious people) know the page is now interactive.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
