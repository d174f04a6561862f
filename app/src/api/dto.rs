//! What server functions send to the browser. Never a hash, a ciphertext or a secret.

use crate::i18n::Lang;
use serde::{Deserialize, Serialize};

/// The signed-in user as the header and the route guards need it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub is_admin: bool,
    pub must_change_password: bool,
    /// 2FA is required and not set up: only the enrolment page is open to them.
    #[serde(default)]
    pub must_enrol: bool,
    /// 2FA is on, ActiveSync is enabled and no sync password is set: devices are refused
    /// until the user sets one, so every page prompts them.
    #[serde(default)]
    pub sync_password_needed: bool,
}

/// What every page knows from the first byte: who is signed in and in which language.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub user: Option<CurrentUser>,
    pub lang: Lang,
    /// The password was right and the emailed code is awaited (shown masked).
    #[serde(default)]
    pub pending_code_to: Option<String>,
    /// No new code could be sent yet (one a minute): "Send a new code" works after this.
    #[serde(default)]
    pub code_wait_secs: Option<u64>,
}

/// `anna@example.it` → `a***@example.it`: enough to recognise, not to harvest.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

pub use crate::domain::activesync::DeviceCredential;
pub use crate::domain::device_setup::DeviceEndpoint;
pub use crate::domain::two_factor::TwoFactorMethod;

/// One user's "Role and login" data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub is_admin: bool,
    pub active: bool,
    /// `None`: follow the browser.
    pub language: Option<Lang>,
    pub two_factor: TwoFactorMethod,
    /// An admin requires 2FA for this user.
    pub two_factor_required: bool,
    /// The organisation requires 2FA for everyone.
    pub required_for_all: bool,
    /// "Enable ActiveSync" (set by admins).
    pub activesync_enabled: bool,
    pub activesync_service_on: bool,
    /// When the sync password was set, if one is.
    pub sync_password_set_at: Option<i64>,
    /// Which password devices must use now (SPEC 1.1).
    pub device_credential: DeviceCredential,
    /// What to type on a phone (the device setup help).
    pub device_endpoint: DeviceEndpoint,
    pub created_at: i64,
}

impl Profile {
    pub fn has_email(&self) -> bool {
        !self.email.trim().is_empty()
    }

    pub fn two_factor_is_required(&self) -> bool {
        crate::domain::two_factor::is_required(self.two_factor_required, self.required_for_all)
    }
}

/// The organisation-wide settings an admin sees on /admin/settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSettings {
    pub require_two_factor: bool,
    pub activesync_service: bool,
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

/// What a re-authentication asks for (SPEC 1.4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReauthChallenge {
    /// 2FA is on: the emailed code is asked too, sent to this (masked) address.
    pub code_to: Option<String>,
    /// No code could be sent yet (one a minute): "Send a new code" works after this wait.
    #[serde(default)]
    pub wait_secs: Option<u64>,
}

/// What an audit event records. Stored as its `as_str` name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditAction {
    UserCreated,
    Deactivated,
    Reactivated,
    PasswordChanged,
    EmailChanged,
    TwoFactorOn,
    TwoFactorOff,
    TwoFactorReset,
    TwoFactorRequired,
    TwoFactorNotRequired,
    OrgTwoFactorRequired,
    OrgTwoFactorNotRequired,
    ActiveSyncEnabled,
    ActiveSyncDisabled,
    SyncPasswordChanged,
    SyncPasswordRemoved,
    SyncPasswordCleared,
    OrgActiveSyncOn,
    OrgActiveSyncOff,
    /// `rotate-key`: stored secrets re-encrypted under a new key.
    KeyRotated,
    DeviceBlocked,
    DeviceUnblocked,
    /// A login password set without the old one (command line, or an admin).
    PasswordReset,
    DeviceDeleted,
}

impl AuditAction {
    pub const ALL: [AuditAction; 24] = [
        AuditAction::UserCreated,
        AuditAction::Deactivated,
        AuditAction::Reactivated,
        AuditAction::PasswordChanged,
        AuditAction::EmailChanged,
        AuditAction::TwoFactorOn,
        AuditAction::TwoFactorOff,
        AuditAction::TwoFactorReset,
        AuditAction::TwoFactorRequired,
        AuditAction::TwoFactorNotRequired,
        AuditAction::OrgTwoFactorRequired,
        AuditAction::OrgTwoFactorNotRequired,
        AuditAction::ActiveSyncEnabled,
        AuditAction::ActiveSyncDisabled,
        AuditAction::SyncPasswordChanged,
        AuditAction::SyncPasswordRemoved,
        AuditAction::SyncPasswordCleared,
        AuditAction::OrgActiveSyncOn,
        AuditAction::OrgActiveSyncOff,
        AuditAction::KeyRotated,
        AuditAction::DeviceBlocked,
        AuditAction::DeviceUnblocked,
        AuditAction::PasswordReset,
        AuditAction::DeviceDeleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::UserCreated => "user_created",
            AuditAction::Deactivated => "deactivated",
            AuditAction::Reactivated => "reactivated",
            AuditAction::PasswordChanged => "password_changed",
            AuditAction::EmailChanged => "email_changed",
            AuditAction::TwoFactorOn => "two_factor_on",
            AuditAction::TwoFactorOff => "two_factor_off",
            AuditAction::TwoFactorReset => "two_factor_reset",
            AuditAction::TwoFactorRequired => "two_factor_required",
            AuditAction::TwoFactorNotRequired => "two_factor_not_required",
            AuditAction::OrgTwoFactorRequired => "org_two_factor_required",
            AuditAction::OrgTwoFactorNotRequired => "org_two_factor_not_required",
            AuditAction::ActiveSyncEnabled => "activesync_enabled",
            AuditAction::ActiveSyncDisabled => "activesync_disabled",
            AuditAction::SyncPasswordChanged => "sync_password_changed",
            AuditAction::SyncPasswordRemoved => "sync_password_removed",
            AuditAction::SyncPasswordCleared => "sync_password_cleared",
            AuditAction::OrgActiveSyncOn => "org_activesync_on",
            AuditAction::OrgActiveSyncOff => "org_activesync_off",
            AuditAction::KeyRotated => "key_rotated",
            AuditAction::DeviceBlocked => "device_blocked",
            AuditAction::DeviceUnblocked => "device_unblocked",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::DeviceDeleted => "device_deleted",
        }
    }

    pub fn parse(s: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// One line of an audit trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub at: i64,
    /// Who did it (`None`: the account no longer exists, or the command line).
    pub actor: Option<String>,
    pub target: Option<String>,
    pub action: AuditAction,
    pub address: String,
}

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
}

/// A line of the admin's user list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub email: String,
    pub is_admin: bool,
    pub active: bool,
    pub two_factor: TwoFactorMethod,
    /// Required for this user, by an admin or for everyone.
    pub two_factor_required: bool,
    pub activesync_enabled: bool,
    pub sync_password_set: bool,
}

impl UserRow {
    /// Whether the row matches a search: username, name or email, case-insensitive.
    pub fn matches(&self, query: &str) -> bool {
        let q = query.trim().to_lowercase();
        q.is_empty()
            || [&self.username, &self.name, &self.email]
                .iter()
                .any(|s| s.to_lowercase().contains(&q))
    }
}

pub fn display_name(username: &str, first: &str, last: &str) -> String {
    let full = format!("{} {}", first.trim(), last.trim());
    let full = full.trim();
    if full.is_empty() {
        username.to_string()
    } else {
        full.to_string()
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

    fn row() -> UserRow {
        UserRow {
            id: 2,
            username: "mrossi".into(),
            name: "Mario Rossi".into(),
            email: "mario@example.it".into(),
            is_admin: false,
            active: true,
            two_factor: TwoFactorMethod::Off,
            two_factor_required: false,
            activesync_enabled: false,
            sync_password_set: false,
        }
    }

    #[test]
    fn search_matches_username_name_and_email() {
        let r = row();
        assert!(r.matches(""));
        assert!(r.matches("MROSS"));
        assert!(r.matches("rossi"));
        assert!(r.matches("example.it"));
        assert!(!r.matches("bianchi"));
    }

    #[test]
    fn audit_actions_round_trip_through_their_stored_names() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
        }
        assert_eq!(AuditAction::parse("nonsense"), None);
    }

    #[test]
    fn emails_are_masked() {
        assert_eq!(mask_email("anna@example.it"), "a***@example.it");
        assert_eq!(mask_email("x"), "***");
    }

    #[test]
    fn display_name_falls_back_to_username() {
        assert_eq!(display_name("mr", "Mario", "Rossi"), "Mario Rossi");
        assert_eq!(display_name("mr", "", "Rossi"), "Rossi");
        assert_eq!(display_name("mr", " ", ""), "mr");
    }
}
