//! Which password an ActiveSync device must use (SPEC 1.1). One pure function, shared by the
//! door (which enforces it) and the console (which explains it in words).

use serde::{Deserialize, Serialize};

/// What decides a user's device credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncFacts {
    /// The organisation's "ActiveSync service" switch.
    pub service_on: bool,
    /// "Enable ActiveSync" for this user (admins only).
    pub enabled: bool,
    /// 2FA is active for the user.
    pub two_factor: bool,
    /// A dedicated sync password is set.
    pub sync_password_set: bool,
    /// The account is active.
    pub active: bool,
    /// The login password was set by an admin or at first start and the user has not yet
    /// chosen their own: nothing but the console's "choose your password" step works.
    pub temporary_password: bool,
}

/// Why devices are refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    Inactive,
    ServiceOff,
    NotEnabled,
    /// 2FA is on and no sync password is set: devices wait for one.
    AwaitingSyncPassword,
    /// The user must first choose their own login password in the console.
    TemporaryPassword,
}

/// The password a device must present.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeviceCredential {
    LoginPassword,
    SyncPassword,
    Refused(Refusal),
}

#[must_use]
pub fn device_credential(f: SyncFacts) -> DeviceCredential {
    use DeviceCredential::*;
    if !f.active {
        return Refused(Refusal::Inactive);
    }
    if !f.service_on {
        return Refused(Refusal::ServiceOff);
    }
    if f.temporary_password {
        return Refused(Refusal::TemporaryPassword);
    }
    match (f.enabled, f.two_factor, f.sync_password_set) {
        (false, _, _) => Refused(Refusal::NotEnabled),
        (true, false, false) => LoginPassword,
        (true, false, true) => SyncPassword,
        (true, true, false) => Refused(Refusal::AwaitingSyncPassword),
        (true, true, true) => SyncPassword,
    }
}

/// Which of a user's passwords a device presented (the door tries both).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presented {
    LoginPassword,
    SyncPassword,
    Neither,
}

/// Whether a device presenting `presented` gets in.
#[must_use]
pub fn accepts(credential: DeviceCredential, presented: Presented) -> bool {
    matches!(
        (credential, presented),
        (DeviceCredential::LoginPassword, Presented::LoginPassword)
            | (DeviceCredential::SyncPassword, Presented::SyncPassword)
    )
}

/// The user may remove their sync password only while 2FA is off (devices then go back to the
/// login password); with 2FA on it is what keeps their devices working.
#[must_use]
pub fn may_remove_sync_password(two_factor: bool) -> bool {
    !two_factor
}

/// SPEC 1.3: turning 2FA on while ActiveSync is enabled and no sync password is set must set
/// one in the same step; otherwise the user's devices would stop working without the user ever
/// having been asked.
#[must_use]
pub fn enrolment_needs_sync_password(enabled: bool, sync_password_set: bool) -> bool {
    enabled && !sync_password_set
}

/// The user should be prompted to set a sync password now: their devices are refused until
/// they do (an admin enabled ActiveSync after they turned 2FA on).
#[must_use]
pub fn awaits_sync_password(f: SyncFacts) -> bool {
    device_credential(f) == DeviceCredential::Refused(Refusal::AwaitingSyncPassword)
}

#[cfg(test)]
mod tests {
    use super::DeviceCredential::*;
    use super::Presented::{LoginPassword as Login, Neither, SyncPassword as Sync};
    use super::Refusal::*;
    use super::*;

    fn facts(enabled: bool, two_factor: bool, sync_password_set: bool) -> SyncFacts {
        SyncFacts {
            service_on: true,
            enabled,
            two_factor,
            sync_password_set,
            active: true,
            temporary_password: false,
        }
    }

    /// SPEC 1.1, row by row: (A, T, S) → login password, sync password, anything else.
    #[test]
    fn the_table() {
        let rows = [
            // A      T      S      login  sync   else
            ((false, false, false), (false, false, false)),
            ((false, false, true), (false, false, false)),
            ((false, true, false), (false, false, false)),
            ((false, true, true), (false, false, false)),
            ((true, false, false), (true, false, false)),
            ((true, false, true), (false, true, false)),
            ((true, true, false), (false, false, false)),
            ((true, true, true), (false, true, false)),
        ];
        for ((a, t, s), (login, sync, other)) in rows {
            let c = device_credential(facts(a, t, s));
            assert_eq!(
                accepts(c, Login),
                login,
                "A={a} T={t} S={s}: login password"
            );
            assert_eq!(accepts(c, Sync), sync, "A={a} T={t} S={s}: sync password");
            assert_eq!(
                accepts(c, Neither),
                other,
                "A={a} T={t} S={s}: anything else"
            );
        }
    }

    #[test]
    fn each_row_says_why() {
        assert_eq!(
            device_credential(facts(false, false, false)),
            Refused(NotEnabled)
        );
        assert_eq!(device_credential(facts(true, false, false)), LoginPassword);
        assert_eq!(device_credential(facts(true, false, true)), SyncPassword);
        assert_eq!(
            device_credential(facts(true, true, false)),
            Refused(AwaitingSyncPassword)
        );
        assert_eq!(device_credential(facts(true, true, true)), SyncPassword);
    }

    #[test]
    fn an_inactive_user_is_refused_everywhere() {
        for (a, t, s) in [
            (true, false, false),
            (true, false, true),
            (true, true, true),
        ] {
            let f = SyncFacts {
                active: false,
                ..facts(a, t, s)
            };
            assert_eq!(device_credential(f), Refused(Inactive));
        }
    }

    #[test]
    fn a_temporary_login_password_opens_no_door() {
        for (a, t, s) in [
            (true, false, false),
            (true, false, true),
            (true, true, true),
        ] {
            let f = SyncFacts {
                temporary_password: true,
                ..facts(a, t, s)
            };
            assert_eq!(device_credential(f), Refused(TemporaryPassword));
        }
    }

    #[test]
    fn the_organisation_switch_refuses_everyone() {
        let f = SyncFacts {
            service_on: false,
            ..facts(true, false, false)
        };
        assert_eq!(device_credential(f), Refused(ServiceOff));
    }

    #[test]
    fn the_sync_password_can_be_removed_only_without_2fa() {
        assert!(may_remove_sync_password(false));
        assert!(!may_remove_sync_password(true));
    }

    #[test]
    fn enrolment_asks_for_a_sync_password_only_when_activesync_would_need_one() {
        // (enabled, sync password set) → the dialog first
        for ((enabled, set), needed) in [
            ((false, false), false),
            ((false, true), false),
            ((true, false), true),
            ((true, true), false),
        ] {
            assert_eq!(
                enrolment_needs_sync_password(enabled, set),
                needed,
                "enabled={enabled} set={set}"
            );
        }
    }

    #[test]
    fn the_prompt_appears_only_while_devices_wait_for_a_sync_password() {
        assert!(awaits_sync_password(facts(true, true, false)));
        for (a, t, s) in [
            (false, true, false),
            (true, false, false),
            (true, true, true),
        ] {
            assert!(!awaits_sync_password(facts(a, t, s)), "A={a} T={t} S={s}");
        }
        let inactive = SyncFacts {
            active: false,
            ..facts(true, true, false)
        };
        assert!(!awaits_sync_password(inactive));
    }
}
