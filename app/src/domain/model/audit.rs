//! The audit trail's vocabulary: what happened, to whom, by whom.

use serde::{Deserialize, Serialize};

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
    /// "Sync with my devices" changed for one folder.
    ContactsSyncOn,
    ContactsSyncOff,
    CalendarSyncOn,
    CalendarSyncOff,
    /// Email ↔ app.
    TwoFactorMethodChanged,
    RecoveryCodesRenewed,
    RecoveryCodeUsed,
    /// The organisation's "Two-factor method": any, or the app only.
    OrgTwoFactorAnyMethod,
    OrgTwoFactorAppOnly,
    /// Mail delivery changed on /admin/settings (never the secrets themselves).
    MailSettingsChanged,
}

impl AuditAction {
    pub const ALL: [AuditAction; 34] = [
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
        AuditAction::ContactsSyncOn,
        AuditAction::ContactsSyncOff,
        AuditAction::CalendarSyncOn,
        AuditAction::CalendarSyncOff,
        AuditAction::TwoFactorMethodChanged,
        AuditAction::RecoveryCodesRenewed,
        AuditAction::RecoveryCodeUsed,
        AuditAction::OrgTwoFactorAnyMethod,
        AuditAction::OrgTwoFactorAppOnly,
        AuditAction::MailSettingsChanged,
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
            AuditAction::ContactsSyncOn => "contacts_sync_on",
            AuditAction::ContactsSyncOff => "contacts_sync_off",
            AuditAction::CalendarSyncOn => "calendar_sync_on",
            AuditAction::CalendarSyncOff => "calendar_sync_off",
            AuditAction::TwoFactorMethodChanged => "two_factor_method_changed",
            AuditAction::RecoveryCodesRenewed => "recovery_codes_renewed",
            AuditAction::RecoveryCodeUsed => "recovery_code_used",
            AuditAction::OrgTwoFactorAnyMethod => "org_two_factor_any_method",
            AuditAction::OrgTwoFactorAppOnly => "org_two_factor_app_only",
            AuditAction::MailSettingsChanged => "mail_settings_changed",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_actions_round_trip_through_their_stored_names() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
        }
        assert_eq!(AuditAction::parse("nonsense"), None);
    }
}
