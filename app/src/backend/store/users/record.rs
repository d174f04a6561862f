//! A user as stored, and the facts the rules read from it.

use super::super::columns::{Flag, PasswordHash, Sealed};
use crate::domain::activesync::SyncFacts;
use crate::domain::ids::UserId;
use crate::domain::two_factor::{self, MethodPolicy, TwoFactorMethod};
use crate::i18n::Lang;
use sqlx::FromRow;

/// A user as stored. Holds the hash, so it never leaves the backend.
#[derive(Debug, Clone, FromRow)]
pub struct UserRecord {
    pub id: UserId,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    #[sqlx(try_from = "Flag")]
    pub is_admin: bool,
    #[sqlx(try_from = "Flag")]
    pub active: bool,
    #[sqlx(try_from = "Option<String>")]
    pub language: LangColumn,
    pub password_hash: PasswordHash,
    pub session_version: i64,
    #[sqlx(try_from = "Flag")]
    pub must_change_password: bool,
    pub created_at: i64,
    pub two_factor_method: Option<String>,
    #[sqlx(try_from = "Flag")]
    pub two_factor_required: bool,
    /// The organisation setting "require 2FA for all users", read with the user.
    #[sqlx(try_from = "Flag")]
    pub required_for_all: bool,
    /// The organisation setting "two-factor method: the app only", read with the user.
    #[sqlx(try_from = "Flag")]
    pub app_only: bool,
    #[sqlx(try_from = "Flag")]
    pub activesync_enabled: bool,
    pub sync_password_ciphertext: Option<Vec<u8>>,
    pub sync_password_nonce: Option<Vec<u8>>,
    pub sync_password_key_id: Option<String>,
    pub sync_password_set_at: Option<i64>,
    pub credential_version: i64,
    /// The organisation's "ActiveSync service" switch, read with the user.
    #[sqlx(try_from = "Flag")]
    pub activesync_service_on: bool,
    /// "Sync with my devices": what the door offers this user's phones.
    #[sqlx(try_from = "Flag")]
    pub sync_contacts: bool,
    #[sqlx(try_from = "Flag")]
    pub sync_calendar: bool,
    /// IANA name the calendar is shown in; empty: UTC.
    pub time_zone: String,
    /// A hash of the sign-in token of the session that made the user's latest own change
    /// (`domain::session_rule`); `None` after an admin's change.
    pub kept_session: Option<String>,
    /// Unused recovery codes, counted with the user.
    pub recovery_codes_left: i64,
}

/// `language` column: a code, or NULL for "follow the browser".
#[derive(Debug, Clone, Copy, Default)]
pub struct LangColumn(pub Option<Lang>);

// sqlx's `FromRow` derive only offers `try_from`; an unknown code reads as "browser".
#[allow(clippy::infallible_try_from)]
impl TryFrom<Option<String>> for LangColumn {
    type Error = std::convert::Infallible;
    fn try_from(v: Option<String>) -> Result<Self, Self::Error> {
        Ok(LangColumn(v.as_deref().and_then(Lang::from_code)))
    }
}

impl std::ops::Deref for LangColumn {
    type Target = Option<Lang>;
    fn deref(&self) -> &Option<Lang> {
        &self.0
    }
}

impl UserRecord {
    pub fn two_factor(&self) -> TwoFactorMethod {
        TwoFactorMethod::from_stored(self.two_factor_method.as_deref())
    }

    /// Required by an admin for this user or for everyone.
    pub fn two_factor_is_required(&self) -> bool {
        two_factor::is_required(self.two_factor_required, self.required_for_all)
    }

    pub fn must_enrol(&self) -> bool {
        two_factor::must_enrol(
            self.two_factor(),
            self.two_factor_is_required(),
            self.method_policy(),
        )
    }

    pub fn method_policy(&self) -> MethodPolicy {
        if self.app_only {
            MethodPolicy::AppOnly
        } else {
            MethodPolicy::Any
        }
    }

    /// The stored sync password, sealed, if one is set.
    pub fn sealed_sync_password(&self) -> Option<Sealed> {
        match (
            &self.sync_password_ciphertext,
            &self.sync_password_nonce,
            &self.sync_password_key_id,
        ) {
            (Some(c), Some(n), Some(k)) => Some(Sealed {
                ciphertext: c.clone(),
                nonce: n.clone(),
                key_id: k.clone(),
            }),
            _ => None,
        }
    }

    /// The facts SPEC 1.1 decides on.
    pub fn sync_facts(&self) -> SyncFacts {
        SyncFacts {
            service_on: self.activesync_service_on,
            enabled: self.activesync_enabled,
            two_factor: self.two_factor() != TwoFactorMethod::Off,
            sync_password_set: self.sync_password_ciphertext.is_some(),
            active: self.active,
            temporary_password: self.must_change_password,
        }
    }

    pub fn hash(&self) -> PasswordHash {
        self.password_hash.clone()
    }
}

pub(super) const COLUMNS: &str =
    "id, username, email, first_name, last_name, is_admin, active, language, \
     password_hash, session_version, must_change_password, created_at, two_factor_method, \
     two_factor_required, \
     EXISTS (SELECT 1 FROM settings WHERE key = 'require_two_factor' AND value = '1') \
     AS required_for_all, \
     EXISTS (SELECT 1 FROM settings WHERE key = 'two_factor_app_only' AND value = '1') \
     AS app_only, activesync_enabled, sync_password_ciphertext, sync_password_nonce, \
     sync_password_key_id, sync_password_set_at, credential_version, \
     NOT EXISTS (SELECT 1 FROM settings WHERE key = 'activesync_service' AND value = '0') \
     AS activesync_service_on, sync_contacts, sync_calendar, time_zone, kept_session, \
     (SELECT COUNT(*) FROM recovery_codes r WHERE r.user_id = users.id AND r.used_at IS NULL) \
     AS recovery_codes_left";
