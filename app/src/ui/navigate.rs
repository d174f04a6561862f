//! Going to another page from an island. The console is server-rendered with islands of
//! interactivity (issue 11): a page change is a real page load, so the next page is rendered
//! by the server for the session as it is now, and no router travels in the WebAssembly.

/// Loads `path` (same-site; callers pass paths that `safe_next` checked or constants).
pub fn go(path: &str) {
    #[cfg(feature = "hydrate")]
    {
        // Only fails if the browser refuses the URL; the page then stays where it is.
        let _ = leptos::prelude::window().location().assign(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// Marks the document's language after a switch made in the page, as the server marks it on
/// every page load (screen readers pick their voice by it).
pub fn set_document_lang(code: &str) {
    #[cfg(feature = "hydrate")]
    {
        if let Some(root) = leptos::prelude::document().document_element() {
            let _ = root.set_attribute("lang", code);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = code;
}
