//! The `<head>` tags that make the islands interactive (issue 11): the console's pages are
//! rendered on the server; only the islands, the parts a user interacts with, are hydrated
//! by the WebAssembly. Leptos' `HydrationScripts` does the same but cannot tell when the last
//! island is ready, which the end-to-end tests wait for.

use leptos::nonce::use_nonce;
use leptos::prelude::*;

#[component]
pub fn IslandScripts(options: LeptosOptions) -> impl IntoView {
    let pkg = options.site_pkg_dir.to_string();
    let js = options.output_name.to_string();
    // cargo-leptos names the WebAssembly after the output when it builds; plain wasm-bindgen
    // adds `_bg`.
    let wasm = if option_env!("LEPTOS_OUTPUT_NAME").is_some() {
        js.clone()
    } else {
        format!("{js}_bg")
    };
    let nonce = use_nonce();
    let call = format!(
        "{}({pkg:?}, {js:?}, {wasm:?});",
        include_str!("islands.js").trim_end()
    );
    view! {
        // `crossorigin` is the CORS mode the module and the fetch use (same-origin credentials),
        // so the preloads are the very requests that follow; it is not where the nonce goes.
        <link rel="modulepreload" href=format!("/{pkg}/{js}.js") crossorigin="anonymous"/>
        <link
            rel="preload"
            href=format!("/{pkg}/{wasm}.wasm")
            r#as="fetch"
            r#type="application/wasm"
            crossorigin="anonymous"
        />
        <script type="module" nonce=nonce>{call}</script>
    }
}
