//! Who is asking at the door: HTTP Basic on every request, the user written `user`,
//! `DOMAIN\user` or `user@domain`, and the SPEC 1.1 policy deciding. A phone polls, so good
//! (and repeated bad) checks are cached in memory under a keyed hash of (name, password) and
//! trusted only while no credential changed (`credential_epoch`); failures are throttled per
//! account and device.

use app::backend::state::AppState;
use app::backend::store::users::{self, UserRecord};
use app::backend::store::{credential_epoch, devices};
use app::domain::activesync::{accepts, device_credential, DeviceCredential, Presented};
use app::domain::throttle::{self, PER_DEVICE};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// How many cached checks before the cache starts over (bounded memory).
const CACHE_LIMIT: usize = 10_000;

/// The name a phone signs in with: `CORP\anna` → `anna` (at the last backslash); `anna@x.it`
/// stays whole (matched against usernames, then emails).
pub fn login_name(raw: &str) -> &str {
    let name = raw.rsplit('\\').next().unwrap_or(raw);
    name.trim()
}

/// `Authorization: Basic …` → (name, password). `None` if absent or malformed.
pub fn basic_credentials(header: Option<&str>) -> Option<(String, Zeroizing<String>)> {
    let value = header?.trim();
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = Zeroizing::new(super::base64::decode(encoded.trim())?);
    let text = std::str::from_utf8(&decoded).ok()?;
    let (name, password) = text.split_once(':')?;
    Some((name.to_string(), Zeroizing::new(password.to_string())))
}

/// What the door answers.
#[derive(Debug)]
pub enum Outcome {
    Allowed(Arc<UserRecord>),
    /// 401: no, or wrong, credentials (never says which password was tried).
    Unauthorized,
    /// 403: the right password, but the policy refuses this user's devices now.
    Forbidden,
    /// 503 with `Retry-After`: too many failures from this device.
    Throttled(u64),
}

#[derive(Clone)]
struct Checked {
    user: Arc<UserRecord>,
    presented: Presented,
    epoch: u64,
}

#[derive(Default)]
struct Failures {
    count: u32,
    last_at: i64,
    /// Keyed hashes of the wrong passwords already counted.
    seen: Vec<[u8; 32]>,
}

pub struct Gate {
    /// HMAC keyed once (cloned per use: saves re-deriving the key pads on every request).
    mac: Hmac<Sha256>,
    checked: RwLock<HashMap<[u8; 32], Checked>>,
    failures: Mutex<HashMap<(i64, String), Failures>>,
    /// Whether `failures` holds anything: the fast path of a good password never locks it.
    any_failures: AtomicBool,
}

impl Default for Gate {
    fn default() -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(key.as_mut());
        Gate {
            mac: <Hmac<Sha256> as Mac>::new_from_slice(&key[..])
                .expect("HMAC takes a key of any length"),
            checked: RwLock::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
            any_failures: AtomicBool::new(false),
        }
    }
}

impl Gate {
    fn fingerprint(&self, name: &str, password: &str) -> [u8; 32] {
        let mut mac = self.mac.clone();
        // Usernames are stored lower-case; no allocation for the usual already-lower name.
        if name.bytes().any(|b| b.is_ascii_uppercase()) || !name.is_ascii() {
            mac.update(name.to_lowercase().as_bytes());
        } else {
            mac.update(name.as_bytes());
        }
        mac.update(&[0]);
        mac.update(password.as_bytes());
        mac.finalize().into_bytes().into()
    }

    fn cached(&self, fp: &[u8; 32]) -> Option<Checked> {
        let map = self.checked.read().expect("no holder panics");
        map.get(fp)
            .filter(|c| c.epoch == credential_epoch::current())
            .cloned()
    }

    fn remember(&self, fp: [u8; 32], checked: Checked) {
        let mut map = self.checked.write().expect("no holder panics");
        if map.len() >= CACHE_LIMIT {
            map.clear();
        }
        map.insert(fp, checked);
    }

    /// Checks the request's credentials for `device` (None for requests without one, e.g.
    /// OPTIONS from a browser).
    pub async fn check(
        &self,
        state: &AppState,
        authorization: Option<&str>,
        device: Option<&str>,
    ) -> Outcome {
        let Some((raw, password)) = basic_credentials(authorization) else {
            return Outcome::Unauthorized;
        };
        let name = login_name(&raw);
        if name.is_empty() {
            return Outcome::Unauthorized;
        }
        let fp = self.fingerprint(name, &password);
        let checked = match self.cached(&fp) {
            Some(c) => c,
            None => match self.check_slowly(state, name, &password).await {
                Some(c) => {
                    self.remember(fp, c.clone());
                    c
                }
                None => return Outcome::Unauthorized,
            },
        };
        let now = state.now();
        let device_key = || (checked.user.id, device.unwrap_or("").to_string());
        if let Some(wait) = self.wait(device_key, now) {
            return Outcome::Throttled(wait);
        }
        let credential = device_credential(checked.user.sync_facts());
        if accepts(credential, checked.presented) {
            if self.any_failures.load(Ordering::Relaxed) {
                let mut failures = self.failures.lock().expect("no holder panics");
                failures.remove(&device_key());
                self.any_failures
                    .store(!failures.is_empty(), Ordering::Relaxed);
            }
            return Outcome::Allowed(checked.user);
        }
        if checked.presented != Presented::Neither
            && matches!(credential, DeviceCredential::Refused(_))
        {
            return Outcome::Forbidden;
        }
        self.count_failure(device_key(), fp, now);
        if let Some(device) = device {
            if let Err(e) = devices::failed(&state.pool, checked.user.id, device, now).await {
                tracing::warn!("recording a device failure: {e}");
            }
        }
        Outcome::Unauthorized
    }

    /// `key` is built only when some device has failures (no allocation on the fast path).
    fn wait(&self, key: impl FnOnce() -> (i64, String), now: i64) -> Option<u64> {
        if !self.any_failures.load(Ordering::Relaxed) {
            return None;
        }
        let map = self.failures.lock().expect("no holder panics");
        let f = map.get(&key())?;
        let wait = throttle::remaining_wait(&PER_DEVICE, f.count, f.last_at, now);
        (wait > 0).then_some(wait)
    }

    /// The same wrong password from the same device counts once: a phone retrying an old
    /// password must not lock its owner out.
    fn count_failure(&self, key: (i64, String), fp: [u8; 32], now: i64) {
        let mut map = self.failures.lock().expect("no holder panics");
        self.any_failures.store(true, Ordering::Relaxed);
        let f = map.entry(key).or_default();
        if !f.seen.contains(&fp) {
            f.seen.push(fp);
            f.count += 1;
        }
        f.last_at = now;
    }

    /// Reads the user and finds which of their passwords was presented. `None`: no such user.
    async fn check_slowly(
        &self,
        state: &AppState,
        name: &str,
        password: &Zeroizing<String>,
    ) -> Option<Checked> {
        // Read before the database, so a change made meanwhile invalidates this entry.
        let epoch = credential_epoch::current();
        let user = match find_user(state, name).await {
            Ok(Some(u)) => u,
            Ok(None) => {
                // Same cost as a wrong password: no user enumeration by timing.
                let _ = state.hasher.verify(password.clone(), None).await;
                return None;
            }
            Err(e) => {
                tracing::error!("door: reading the user: {e}");
                return None;
            }
        };
        let presented = presented(state, &user, password).await;
        Some(Checked {
            user: Arc::new(user),
            presented,
            epoch,
        })
    }
}

async fn find_user(state: &AppState, name: &str) -> Result<Option<UserRecord>, sqlx::Error> {
    if let Some(u) = users::by_username(&state.pool, name).await? {
        return Ok(Some(u));
    }
    if name.contains('@') {
        return users::by_unique_email(&state.pool, name).await;
    }
    Ok(None)
}

/// Which of the user's passwords this is. The login password costs an argon2 hash, so it is
/// tried only when the policy could accept it or must tell 401 from 403.
async fn presented(state: &AppState, user: &UserRecord, password: &Zeroizing<String>) -> Presented {
    if let Some(sealed) = user.sealed_sync_password() {
        match state.secrets.open(user.id, &sealed) {
            Ok(sync) if bool::from(sync.as_bytes().ct_eq(password.as_bytes())) => {
                return Presented::SyncPassword
            }
            Ok(_) => {}
            Err(e) => tracing::error!(user = user.id, "door: cannot open the sync password: {e}"),
        }
    }
    if device_credential(user.sync_facts()) == DeviceCredential::SyncPassword {
        return Presented::Neither;
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

/// Looks at the database every `every` for changes made by other processes (the command line)
/// and moves the epoch when it finds one.
pub fn watch_other_processes(state: AppState, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut last = None;
        loop {
            tokio::time::sleep(every).await;
            match users::credential_fingerprint(&state.pool).await {
                Ok(f) => {
                    if last.as_ref().is_some_and(|l| *l != f) {
                        credential_epoch::bump();
                    }
                    last = Some(f);
                }
                Err(e) => tracing::warn!("door: reading credential versions: {e}"),
            }
        }
    });
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

    #[test]
    fn basic_credentials_are_read_and_bad_headers_refused() {
        // "CORP\anna:pa:ss" — a password may hold a colon.
        let (name, password) = basic_credentials(Some("Basic Q09SUFxhbm5hOnBhOnNz")).unwrap();
        assert_eq!((name.as_str(), password.as_str()), ("CORP\\anna", "pa:ss"));
        assert!(basic_credentials(None).is_none());
        assert!(basic_credentials(Some("Bearer abc")).is_none());
        assert!(basic_credentials(Some("Basic !!!")).is_none());
        assert!(
            basic_credentials(Some("Basic YW5uYQ==")).is_none(),
            "no colon"
        );
    }
}
