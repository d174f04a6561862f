//! Copying a text for the user (the ActiveSync password, the app's key, recovery codes).

/// Puts `text` on the clipboard (browser only; on the server it does nothing).
pub fn copy_to_clipboard(text: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = leptos::prelude::window()
            .navigator()
            .clipboard()
            .write_text(text);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
}
