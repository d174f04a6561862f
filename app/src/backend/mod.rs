//! The services behind the console's API and the ActiveSync door (server only), one folder per
//! feature over `store` (the queries). Nothing here knows about HTTP, Leptos or pages.

pub mod activesync;
pub mod audit;
pub mod changes;
pub mod clock;
pub mod error;
pub mod identity;
pub mod mail;
pub mod organisation;
pub mod pim;
pub mod second_factor;
pub mod secrets;
pub mod state;
pub mod store;
pub mod sync;

pub use error::{Error, Result};

/// Text from a request as it may go into a log line: control characters escaped (no forged
/// lines) and cut at 64 characters.
pub fn log_text(raw: &str) -> String {
    let mut out: String = raw.chars().take(64).flat_map(char::escape_debug).collect();
    if raw.chars().nth(64).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn logged_text_cannot_forge_a_line_and_is_short() {
        assert_eq!(super::log_text("anna"), "anna");
        assert_eq!(
            super::log_text("x\n2026-01-01 INFO login admin"),
            "x\\n2026-01-01 INFO login admin"
        );
        assert_eq!(super::log_text("a\nb\r"), "a\\nb\\r");
        assert_eq!(super::log_text(&"a".repeat(500)).chars().count(), 65);
    }
}
