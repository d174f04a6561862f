//! What the console shows of an account, built from its stored record.

use crate::backend::changes::{self, Change};
use crate::backend::error::Error;
use crate::backend::mail::notices::{self, Notice};
use crate::backend::state::AppState;
use crate::backend::store::users::{self, UserRecord};
use crate::domain::access::Actor;
use crate::domain::activesync::{self, device_credential};
use crate::domain::ids::UserId;
use crate::domain::model::{display_name, CurrentUser, DeviceEndpoint, Profile, UserRow};
use crate::i18n::Lang;

impl UserRecord {
    /// For the access rules. A stored record says itself whether it is active.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.id,
            is_admin: self.is_admin,
            active: self.active,
        }
    }

    pub fn current(&self) -> CurrentUser {
        CurrentUser {
            id: self.id,
            username: self.username.clone(),
            display_name: display_name(&self.username, &self.first_name, &self.last_name),
            is_admin: self.is_admin,
            must_change_password: self.must_change_password,
            must_enrol: self.must_enrol(),
            sync_password_needed: activesync::awaits_sync_password(self.sync_facts()),
        }
    }

    /// `endpoint`: the server as a phone sees it (from the public URL).
    pub fn profile(&self, endpoint: &DeviceEndpoint) -> Profile {
        Profile {
            id: self.id,
            username: self.username.clone(),
            email: self.email.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            is_admin: self.is_admin,
            active: self.active,
            language: *self.language,
            two_factor: self.two_factor(),
            two_factor_required: self.two_factor_required,
            required_for_all: self.required_for_all,
            activesync_enabled: self.activesync_enabled,
            activesync_service_on: self.activesync_service_on,
            sync_password_set_at: self
                .sync_password_ciphertext
                .as_ref()
                .and(self.sync_password_set_at),
            device_credential: device_credential(self.sync_facts()),
            device_endpoint: endpoint.clone(),
            created_at: self.created_at,
            sync_contacts: self.sync_contacts,
            sync_calendar: self.sync_calendar,
            time_zone: self.time_zone.clone(),
            recovery_codes_left: u32::try_from(self.recovery_codes_left).unwrap_or(0),
            app_only: self.app_only,
        }
    }

    pub fn row(&self) -> UserRow {
        UserRow {
            id: self.id,
            username: self.username.clone(),
            name: display_name("", &self.first_name, &self.last_name),
            email: self.email.clone(),
            is_admin: self.is_admin,
            active: self.active,
            two_factor: self.two_factor(),
            two_factor_required: self.two_factor_is_required(),
            activesync_enabled: self.activesync_enabled,
            sync_password_set: self.sync_password_ciphertext.is_some(),
            last_seen: None,
            last_device: None,
        }
    }
}

/// A user's profile as an admin sees it.
pub async fn profile(state: &AppState, id: UserId) -> Result<Profile, Error> {
    users::by_id(&state.pool, id)
        .await
        .map_err(Error::internal)?
        .map(|u| u.profile(&state.device_endpoint))
        .ok_or(Error::NotFound)
}

/// The user's own profile.
pub fn own_profile(state: &AppState, user: &UserRecord) -> Profile {
    user.profile(&state.device_endpoint)
}

/// An admin's change to someone's account: their profile after it, and the delivery of the
/// notice mail to them (the command line waits for it before exiting).
pub struct Changed {
    pub profile: Profile,
    pub mail: Option<tokio::task::JoinHandle<()>>,
}

impl Changed {
    /// Once an admin's change to `user` is committed: the door's checks of the user are
    /// outdated, the user is told, and the admin gets the profile as it is now.
    pub async fn told(
        state: &AppState,
        user: &UserRecord,
        notice: Notice,
        lang: Lang,
    ) -> Result<Changed, Error> {
        changes::announce(state, Change::User(user.id)).await;
        let mail = notices::send(state, user, notice, lang);
        let profile = profile(state, user.id).await?;
        Ok(Changed { profile, mail })
    }
}

/// The stored account, or `NotFound`.
pub async fn record(state: &AppState, id: UserId) -> Result<UserRecord, Error> {
    users::by_id(&state.pool, id)
        .await
        .map_err(Error::internal)?
        .ok_or(Error::NotFound)
}

/// A moment as the viewer reads it: `6 Dec 2026, 21:15` in their time zone (`UTC` said when
/// they have none), month names in their language.
pub fn seen_text(at: i64, zone: &str, lang: crate::i18n::Lang) -> String {
    use chrono::{Datelike, Timelike};
    let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::UTC);
    let Some(utc) = chrono::DateTime::from_timestamp(at, 0) else {
        return String::new();
    };
    let local = utc.with_timezone(&tz);
    let month = lang
        .texts()
        .months_short
        .split(' ')
        .nth(local.month0() as usize)
        .unwrap_or("");
    let mut text = format!(
        "{} {month} {}, {:02}:{:02}",
        local.day(),
        local.year(),
        local.hour(),
        local.minute()
    );
    if tz == chrono_tz::UTC {
        text.push_str(" UTC");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::seen_text;
    use crate::i18n::Lang;

    #[test]
    fn a_moment_in_the_viewers_zone_and_language() {
        // 2026-12-06 20:15 UTC.
        let at = 1_796_588_100;
        assert_eq!(seen_text(at, "Europe/Rome", Lang::It), "6 dic 2026, 21:15");
        assert_eq!(
            seen_text(at, "America/New_York", Lang::En),
            "6 Dec 2026, 15:15"
        );
        assert_eq!(seen_text(at, "", Lang::En), "6 Dec 2026, 20:15 UTC");
    }
}
