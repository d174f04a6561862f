//! Accounts as every layer shows them: who is signed in, a user's profile, a line of the
//! user list. Never a hash, a ciphertext or a secret.

use crate::domain::activesync::DeviceCredential;
use crate::domain::device_setup::DeviceEndpoint;
use crate::domain::ids::UserId;
use crate::domain::lang::Lang;
use crate::domain::two_factor::TwoFactorMethod;
use serde::{Deserialize, Serialize};

/// The signed-in user as the header and the route guards need it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: UserId,
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
    /// The password was right and a code from the authenticator app is awaited.
    #[serde(default)]
    pub pending_app_code: bool,
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

/// One user's "Role and login" data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub id: UserId,
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
    /// "Sync with my devices": Contacts, Calendar.
    pub sync_contacts: bool,
    pub sync_calendar: bool,
    /// The calendar's zone (IANA); empty until chosen (UTC).
    #[serde(default)]
    pub time_zone: String,
    /// Unused recovery codes (shown while 2FA is on).
    #[serde(default)]
    pub recovery_codes_left: u32,
    /// The organisation allows the authenticator app only.
    #[serde(default)]
    pub app_only: bool,
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
    /// "Two-factor method": the authenticator app only, or any.
    #[serde(default)]
    pub app_only: bool,
    pub activesync_service: bool,
}

/// What a re-authentication asks for (SPEC 1.4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReauthChallenge {
    /// 2FA is on: the emailed code is asked too, sent to this (masked) address.
    pub code_to: Option<String>,
    /// No code could be sent yet (one a minute): "Send a new code" works after this wait.
    #[serde(default)]
    pub wait_secs: Option<u64>,
    /// 2FA is on with the authenticator app: its code is asked (nothing is mailed).
    #[serde(default)]
    pub app: bool,
}

/// What the page shows to set up an authenticator app (the secret is the user's own, shown
/// to them only, while they enrol).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppEnrolment {
    /// The base32 key in groups of four.
    pub secret: String,
    /// `otpauth://totp/syncgate:USER?secret=…&issuer=syncgate`.
    pub uri: String,
    /// The QR code of `uri`, an SVG as a `data:` URL.
    pub qr_image: String,
}

/// The first step of turning 2FA on: where the emailed code went (masked), or the new app's
/// secret to set it up with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EnrolStarted {
    Email(String),
    App(AppEnrolment),
}

/// 2FA turned on (or switched): the session as it now is, and the recovery codes made for
/// it, to be shown once (empty when a switch kept the existing set).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolled {
    pub session: SessionInfo,
    pub recovery_codes: Vec<String>,
}

/// A line of the admin's user list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: UserId,
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
    /// The newest door sighting of the user's devices: when (in the viewer's language and
    /// time zone) and which device.
    #[serde(default)]
    pub last_seen: Option<String>,
    #[serde(default)]
    pub last_device: Option<String>,
}

/// How the admin's user list is ordered (a column header).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserSort {
    #[default]
    Username,
    Name,
    Email,
    /// The newest door sighting first; users never seen last.
    LastSeen,
}

impl UserSort {
    pub const ALL: [UserSort; 4] = [
        UserSort::Username,
        UserSort::Name,
        UserSort::Email,
        UserSort::LastSeen,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UserSort::Username => "username",
            UserSort::Name => "name",
            UserSort::Email => "email",
            UserSort::LastSeen => "last_seen",
        }
    }

    /// An unknown value orders by username.
    pub fn parse(s: &str) -> UserSort {
        UserSort::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .unwrap_or_default()
    }
}

/// Users per page of the admin's list.
pub const USERS_PAGE_SIZE: u32 = 100;

/// One page of the admin's user list, searched and ordered on the server.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPage {
    pub rows: Vec<UserRow>,
    /// Users matching the search, on every page.
    pub total: u64,
    /// 1-based.
    pub page: u32,
    pub pages: u32,
}

/// The pages `total` rows fill (at least one, even empty).
pub fn page_count(total: u64, page_size: u32) -> u32 {
    u32::try_from(total.div_ceil(u64::from(page_size.max(1))))
        .unwrap_or(u32::MAX)
        .max(1)
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
    fn sorts_are_named_and_unknown_ones_order_by_username() {
        for k in UserSort::ALL {
            assert_eq!(UserSort::parse(k.as_str()), k);
        }
        assert_eq!(UserSort::parse("password_hash"), UserSort::Username);
    }

    #[test]
    fn pages_hold_a_hundred_and_there_is_always_one() {
        assert_eq!(page_count(0, USERS_PAGE_SIZE), 1);
        assert_eq!(page_count(100, USERS_PAGE_SIZE), 1);
        assert_eq!(page_count(101, USERS_PAGE_SIZE), 2);
        assert_eq!(page_count(10_000, USERS_PAGE_SIZE), 100);
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
