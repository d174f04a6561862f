//! ActiveSync as the console shows it: devices seen at the door, the sync password view.

use serde::{Deserialize, Serialize};

/// An ActiveSync device the door has seen for a user (the Devices list).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub id: i64,
    pub device_id: String,
    pub device_type: String,
    /// Model, else the user agent.
    pub model: String,
    pub protocol_version: String,
    pub first_seen: i64,
    pub last_seen: i64,
    pub last_address: String,
    pub blocked: bool,
    /// It keeps presenting a password that no longer works.
    pub old_password: bool,
    /// The user's folders it syncs (contacts, calendar), with what it has of each.
    #[serde(default)]
    pub folders: Vec<DeviceFolder>,
}

/// One folder as one device syncs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceFolder {
    /// `contacts` or `calendar`.
    pub folder: String,
    /// Items on the device after its last successful sync.
    pub items: i64,
    /// When that was (UTC seconds).
    pub last_sync: Option<i64>,
}

/// What "View and change" shows: the sync password in clear (after re-authentication). The
/// copy is wiped from memory when the value goes (on the server: once the response is
/// written; in the browser: when the dialog closes), and never printed by `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncPasswordView {
    pub current: Option<String>,
}

impl Drop for SyncPasswordView {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.current);
    }
}

impl std::fmt::Debug for SyncPasswordView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = self.current.as_ref().map(|_| "<hidden>");
        f.debug_struct("SyncPasswordView")
            .field("current", &shown)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shown_sync_password_never_reaches_a_debug_line() {
        let view = SyncPasswordView {
            current: Some("phone-secret-42".into()),
        };
        let line = format!("{view:?}");
        assert!(!line.contains("phone-secret"), "{line}");
        assert!(line.contains("<hidden>"));
        let json = serde_json::to_string(&view).unwrap();
        assert!(json.contains("phone-secret-42"), "the owner still gets it");
    }
}
