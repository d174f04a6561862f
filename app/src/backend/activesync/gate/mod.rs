//! The door's credential check (SPEC 1.1 and 1.6): the SPEC 1.1 policy deciding, and the
//! throttle and caches in front of it.
//!
//! An attempt is counted per *account* (whatever the DeviceId, username form or address)
//! before its password is checked; past 5 distinct wrong passwords in an hour, every attempt
//! that is not a device's known-good sign-in gets "throttled" without any check, so no answer
//! tells a right password from a wrong one. A device that signed in within the last 24 hours
//! is remembered under a keyed hash of (device, name, password): it keeps working, without an
//! argon2 hash, while a stranger guesses. Unknown names are throttled per client address and
//! cost one argon2 hash like known ones. Every table is bounded and aged.

use crate::backend::activesync::credential_epochs::{CredentialEpochs, Stamp};
use crate::backend::activesync::door;
use crate::backend::identity::throttle::{
    address_key, Counters, FailureTable, Fingerprint, Fingerprinter,
};
use crate::backend::identity::UserRecord;
use crate::backend::state::AppState;
use crate::domain::activesync::{accepts, device_credential, DeviceCredential, Presented};
use crate::domain::ids::UserId;
use crate::domain::throttle::{DOOR_ACCOUNT, PER_ADDRESS};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

mod memory;

use memory::{lock, Good, Wrong};

/// How long a device's good sign-in is trusted without a new check.
pub const GOOD_FOR_SECS: i64 = 24 * 3600;
/// Remembered good sign-ins (one per working device and password).
pub const GOOD_CAPACITY: usize = 50_000;
/// Remembered wrong passwords (an outdated password on a phone is answered without a hash).
pub const WRONG_CAPACITY: usize = 50_000;
/// Failure records per table (accounts; names that match nobody; addresses).
pub const FAILURE_CAPACITY: usize = 100_000;
/// While an account is locked, wrong guesses presented under one DeviceId: past this many,
/// that device's cached good check is not honoured either (otherwise an attacker who knows a
/// DeviceId, or uses none like OPTIONS, could guess against the cache for free).
pub const MISSES_BEFORE_DISTRUST: u32 = 5;

/// What the door answers.
#[derive(Debug)]
pub enum Outcome {
    Allowed(Arc<UserRecord>),
    /// No, or wrong, credentials (never says which password was tried).
    Unauthorized,
    /// 403: the right password, but the policy refuses this user's devices now.
    Forbidden,
    /// 503 with `Retry-After`: too many failures on this account (or from this address).
    Throttled(u64),
}

/// Who knocks: the credentials a request presents, its device and client address.
pub struct Knock<'a> {
    /// As the phone wrote it (`anna`, `CORP\\anna`, `anna@example.it`); `None`: no
    /// credentials, or unreadable ones.
    pub credentials: Option<(&'a str, &'a Zeroizing<String>)>,
    /// `None` for requests without one (OPTIONS, Autodiscover).
    pub device: Option<&'a str>,
    pub address: std::net::IpAddr,
}

/// The name a phone signs in with: `CORP\\anna` → `anna` (at the last backslash); `anna@x.it`
/// stays whole (matched against usernames, then emails).
pub fn login_name(raw: &str) -> &str {
    let name = raw.rsplit('\\').next().unwrap_or(raw);
    name.trim()
}

pub struct Gate {
    fingerprints: Fingerprinter,
    good: RwLock<HashMap<Fingerprint, Good>>,
    wrong: Mutex<HashMap<Fingerprint, Wrong>>,
    /// Per account: shared by every instance on PostgreSQL (`Counters`).
    accounts: Counters<UserId>,
    /// Names that match nobody, counted like accounts: a name must not be told from a user's
    /// by when it starts answering 503.
    nobodies: Mutex<FailureTable<Fingerprint>>,
    addresses: Mutex<FailureTable<String>>,
    /// Wrong guesses per (account, device) while the account is locked.
    misses: Mutex<FailureTable<(UserId, Fingerprint)>>,
    /// Until when some account may be locked: before that the fast path looks at the
    /// accounts table, after it not at all (a few wrong passwords cost it nothing).
    locked_until: AtomicI64,
}

impl Default for Gate {
    fn default() -> Self {
        Gate {
            fingerprints: Fingerprinter::default(),
            good: RwLock::new(HashMap::new()),
            wrong: Mutex::new(HashMap::new()),
            accounts: Counters::local(DOOR_ACCOUNT, FAILURE_CAPACITY),
            nobodies: Mutex::new(FailureTable::new(DOOR_ACCOUNT, FAILURE_CAPACITY)),
            addresses: Mutex::new(FailureTable::new(PER_ADDRESS, FAILURE_CAPACITY)),
            misses: Mutex::new(FailureTable::new(DOOR_ACCOUNT, FAILURE_CAPACITY)),
            locked_until: AtomicI64::new(0),
        }
    }
}

/// Usernames are stored lower-case; no allocation for the usual already-lower name.
fn lower(name: &str) -> std::borrow::Cow<'_, str> {
    if name.bytes().any(|b| b.is_ascii_uppercase()) || !name.is_ascii() {
        std::borrow::Cow::Owned(name.to_lowercase())
    } else {
        std::borrow::Cow::Borrowed(name)
    }
}

impl Gate {
    /// The gate of a server: accounts counted with the other instances on PostgreSQL, and
    /// fingerprints keyed from the key file so they agree across instances.
    pub fn new(state: &AppState) -> Gate {
        let key = state.code_keys.first().map(|k| **k).unwrap_or_default();
        Gate {
            fingerprints: Fingerprinter::derived(&key, "door"),
            accounts: Counters::for_database(
                &state.database,
                "door_account",
                DOOR_ACCOUNT,
                FAILURE_CAPACITY,
            ),
            ..Gate::default()
        }
    }

    /// Checks a request's credentials.
    pub async fn check(&self, state: &AppState, knock: Knock<'_>) -> Outcome {
        let Some((raw, password)) = knock.credentials else {
            return Outcome::Unauthorized;
        };
        let name = login_name(raw);
        if name.is_empty() {
            return Outcome::Unauthorized;
        }
        let name = lower(name);
        let now = state.now();
        // One keyed hash on the fast path of a polling phone; the other only when checking.
        let device = knock.device.unwrap_or("");
        let good_key =
            self.fingerprints
                .of(&[device.as_bytes(), name.as_bytes(), password.as_bytes()]);
        let device_fp = || self.fingerprints.of(&[device.as_bytes()]);
        if let Some((user, allowed)) = self.known_good(&state.credentials, &good_key, now) {
            let wait = self.account_wait(user.id, now).await;
            // Under attack, only devices that are not being guessed against stay trusted, and
            // a refused (403) right password is not told apart from a wrong one.
            if wait > 0 && (!allowed || self.distrusted(user.id, &device_fp(), now)) {
                return Outcome::Throttled(wait);
            }
            return if allowed {
                Outcome::Allowed(user)
            } else {
                Outcome::Forbidden
            };
        }
        let fp = self
            .fingerprints
            .of(&[name.as_bytes(), password.as_bytes()]);
        let attempt = Attempt {
            name: &name,
            password,
            fp,
            good_key,
            device_fp: device_fp(),
            now,
        };
        self.check_slowly(state, &knock, attempt).await
    }

    async fn check_slowly(&self, state: &AppState, knock: &Knock<'_>, a: Attempt<'_>) -> Outcome {
        let epochs = &state.credentials;
        // Before any read: a name that starts matching someone meanwhile outdates this.
        let nobody_stamp = epochs.stamp(None);
        let known_wrong = self.known_wrong(epochs, &a.fp);
        let user = match known_wrong {
            Some(Wrong { user_id: None, .. }) => None,
            _ => match door::find_account(state, a.name).await {
                Ok(u) => u,
                Err(e) => {
                    tracing::error!("door: reading the user: {e}");
                    return Outcome::Unauthorized;
                }
            },
        };
        let Some(found) = user else {
            return self.nobody(state, knock, &a, nobody_stamp).await;
        };
        // The stamp, then the row read again: a change committed after this read bumps after
        // it, so nothing older than the stamp is cached under it.
        let stamp = epochs.stamp(Some(found.id));
        let user = match door::account(state, found.id).await {
            Ok(Some(u)) => u,
            Ok(None) => return Outcome::Unauthorized,
            Err(e) => {
                tracing::error!("door: reading the user: {e}");
                return Outcome::Unauthorized;
            }
        };
        let reserved = self.accounts.reserve(&user.id, &a.fp, a.now).await;
        let reservation = match reserved {
            Ok(r) => r,
            Err(wait) => {
                // A guess while locked: counted against the device it came under.
                let _ = lock(&self.misses).reserve(&(user.id, a.device_fp), &a.fp, a.now);
                let until = a
                    .now
                    .saturating_add(i64::try_from(wait).unwrap_or(i64::MAX));
                self.locked_until.fetch_max(until, Ordering::Relaxed);
                return Outcome::Throttled(wait);
            }
        };
        let presented = match known_wrong {
            // Checked before and found wrong (or the other password): no new hash.
            Some(w) if w.user_id == Some(user.id) => Presented::Neither,
            _ => presented(state, &user, a.password).await,
        };
        let credential = device_credential(user.sync_facts());
        let right = accepts(credential, presented)
            || (presented != Presented::Neither
                && matches!(credential, DeviceCredential::Refused(_)));
        if right {
            let allowed = accepts(credential, presented);
            self.accounts.give_back(&user.id, &a.fp, reservation).await;
            let user = Arc::new(user);
            self.remember_good(epochs, a.good_key, user.clone(), allowed, stamp, a.now);
            return if allowed {
                Outcome::Allowed(user)
            } else {
                Outcome::Forbidden
            };
        }
        // A wrong password, or the user's other one (the login password once a sync password
        // is set): both stay counted, so the throttle cannot tell them apart either.
        let wrong = Wrong {
            user_id: Some(user.id),
            stamp,
            at: a.now,
        };
        self.remember_wrong(a.fp, wrong);
        if let Some(device) = knock.device {
            if let Err(e) = door::wrong_password_from(state, user.id, device).await {
                tracing::warn!("recording a device failure: {e}");
            }
        }
        Outcome::Unauthorized
    }

    /// A name that matches no user: throttled like an account (so it cannot be told from
    /// one) and per client address, one hash like a known name.
    async fn nobody(
        &self,
        state: &AppState,
        knock: &Knock<'_>,
        a: &Attempt<'_>,
        stamp: Stamp,
    ) -> Outcome {
        let epochs = &state.credentials;
        let name = self.fingerprints.of(&[a.name.as_bytes()]);
        if let Err(wait) = lock(&self.nobodies).reserve(&name, &a.fp, a.now) {
            return Outcome::Throttled(wait);
        }
        let address = address_key(&knock.address.to_string());
        if let Err(wait) = lock(&self.addresses).reserve(&address, &a.fp, a.now) {
            return Outcome::Throttled(wait);
        }
        if self.known_wrong(epochs, &a.fp).is_none() {
            let _ = state.hasher.verify(a.password.clone(), None).await;
            let wrong = Wrong {
                user_id: None,
                stamp,
                at: a.now,
            };
            self.remember_wrong(a.fp, wrong);
        }
        Outcome::Unauthorized
    }
}

/// One check in progress.
struct Attempt<'a> {
    name: &'a str,
    password: &'a Zeroizing<String>,
    /// Keyed hash of (name, password).
    fp: Fingerprint,
    /// Keyed hash of (device, name, password).
    good_key: Fingerprint,
    /// Keyed hash of the device alone.
    device_fp: Fingerprint,
    now: i64,
}

/// Which of the user's passwords this is. Unless the sync password matched, this costs one
/// argon2 hash, also when the policy would not accept the login password: a wrong password
/// then takes as long as for an unknown name (no enumeration by timing).
async fn presented(state: &AppState, user: &UserRecord, password: &Zeroizing<String>) -> Presented {
    if let Some(sealed) = user.sealed_sync_password() {
        match state.secrets.open(user.id, &sealed) {
            Ok(sync) if bool::from(sync.as_bytes().ct_eq(password.as_bytes())) => {
                return Presented::SyncPassword
            }
            Ok(_) => {}
            Err(e) => tracing::error!(user = %user.id, "door: cannot open the sync password: {e}"),
        }
    }
    match state
        .hasher
        .verify(password.clone(), Some(user.hash()))
        .await
    {
        Ok(true) => Presented::LoginPassword,
        Ok(false) => Presented::Neither,
        Err(e) => {
            tracing::error!("door: verifying a password: {e}");
            Presented::Neither
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_ways_to_write_a_user() {
        assert_eq!(login_name("anna"), "anna");
        assert_eq!(login_name("CORP\\anna"), "anna");
        assert_eq!(
            login_name("A\\B\\anna"),
            "anna",
            "split at the last backslash"
        );
        assert_eq!(login_name("anna@example.it"), "anna@example.it");
    }
}
