//! The services behind the API (server only). Nothing here knows about pages.

pub mod accounts;
pub mod activesync;
pub mod audit;
pub mod clock;
pub mod context;
pub mod credential_epochs;
pub mod devices;
pub mod key_rotation;
pub mod keyring;
pub mod mail;
pub mod notices;
pub mod otp;
pub mod passwords;
pub mod reauth;
pub mod second_factor;
pub mod secrets;
pub mod sessions;
pub mod state;
pub mod store;
pub mod throttle;
pub mod two_factor;

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
