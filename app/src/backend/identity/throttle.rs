//! Failed-attempt bookkeeping in memory: one bounded, aged table per key kind, used by the
//! console (per account and address, per address) and by the ActiveSync door (per account,
//! per address for unknown names). An attempt is *reserved* before its password is checked
//! and given back if the password was right, so a burst of concurrent guesses gets no more
//! checks than the limit (SPEC 1.6). The waiting rules themselves are pure
//! (`domain::throttle`).

use crate::domain::throttle::{self, Admission, Policy, PER_ACCOUNT, PER_ADDRESS};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;

use crate::backend::store::{self, Database, Kind, Pool};

/// A keyed hash of a presented password: wrong passwords are told apart without keeping them.
pub type Fingerprint = [u8; 32];

/// Distinct wrong passwords remembered per key (enough to tell an old password repeated
/// from new guesses; past the limit nothing is checked anyway).
const SEEN_PER_KEY: usize = 8;

#[derive(Clone, Default)]
struct Record {
    failures: u32,
    last_failure_at: i64,
    seen: Vec<Fingerprint>,
    /// Of those, the ones found wrong when checked (a right password of an inactive account
    /// is counted, but is not "known wrong").
    wrong: Vec<Fingerprint>,
}

impl Record {
    /// The rules of one key's failures, wherever they are kept (memory or database).
    fn reserve(&mut self, policy: &Policy, fp: &Fingerprint, now: i64) -> Result<Reservation, u64> {
        if throttle::is_forgotten(policy, self.last_failure_at, now) {
            *self = Record::default();
        }
        let seen = self.seen.contains(fp);
        match throttle::admit(policy, self.failures, self.last_failure_at, now, seen) {
            Admission::Wait(secs) => Err(secs),
            Admission::Check { counts } => {
                if counts {
                    self.failures = self.failures.saturating_add(1);
                    self.last_failure_at = now;
                    if self.seen.len() < SEEN_PER_KEY {
                        self.seen.push(*fp);
                    }
                }
                Ok(Reservation {
                    counted: counts,
                    known_wrong: self.wrong.contains(fp),
                })
            }
        }
    }

    fn give_back(&mut self, fp: &Fingerprint, reservation: Reservation) {
        if reservation.counted {
            self.failures = self.failures.saturating_sub(1);
            self.seen.retain(|s| s != fp);
        }
    }

    fn found_wrong(&mut self, fp: &Fingerprint) {
        if !self.wrong.contains(fp) && self.wrong.len() < SEEN_PER_KEY {
            self.wrong.push(*fp);
        }
    }
}

/// What `reserve` handed out, to give back if the password was right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reservation {
    counted: bool,
    known_wrong: bool,
}

impl Reservation {
    /// This very password was checked and found wrong before: no need to hash it again.
    pub fn known_wrong(&self) -> bool {
        self.known_wrong
    }
}

/// Failure records by key, at most `capacity` of them: forgotten records go first, then the
/// least worrying ones (fewest failures, oldest), so a flood of new keys cannot push out the
/// record of an account under attack.
pub struct FailureTable<K> {
    policy: Policy,
    capacity: usize,
    records: HashMap<K, Record>,
}

impl<K: Hash + Eq + Clone> FailureTable<K> {
    pub fn new(policy: Policy, capacity: usize) -> Self {
        Self {
            policy,
            capacity: capacity.max(16),
            records: HashMap::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Seconds `key` must still wait (0: it may try).
    pub fn wait(&self, key: &K, now: i64) -> u64 {
        self.records
            .get(key)
            .map(|r| throttle::remaining_wait(&self.policy, r.failures, r.last_failure_at, now))
            .unwrap_or(0)
    }

    /// Counts the attempt in advance (unless this password was counted already), or says how
    /// long to wait. `Err(secs)` means: answer "try later", check nothing.
    pub fn reserve(&mut self, key: &K, fp: &Fingerprint, now: i64) -> Result<Reservation, u64> {
        if !self.records.contains_key(key) && self.records.len() >= self.capacity {
            self.make_room(now);
        }
        let policy = self.policy;
        self.records
            .entry(key.clone())
            .or_default()
            .reserve(&policy, fp, now)
    }

    /// The password was right: this attempt is not a failure after all.
    pub fn give_back(&mut self, key: &K, fp: &Fingerprint, reservation: Reservation) {
        if let Some(record) = self.records.get_mut(key) {
            record.give_back(fp, reservation);
            if record.failures == 0 {
                self.records.remove(key);
            }
        }
    }

    /// The password was checked and is wrong (remembered so it need not be hashed again).
    pub fn found_wrong(&mut self, key: &K, fp: &Fingerprint) {
        if let Some(record) = self.records.get_mut(key) {
            record.found_wrong(fp);
        }
    }

    /// Forgets every failure of `key` (the right password from where the failures came).
    pub fn clear(&mut self, key: &K) {
        self.records.remove(key);
    }

    fn make_room(&mut self, now: i64) {
        let policy = self.policy;
        self.records
            .retain(|_, r| !throttle::is_forgotten(&policy, r.last_failure_at, now));
        if self.records.len() < self.capacity {
            return;
        }
        // Drop a tenth: the records with the fewest failures, oldest first.
        let mut order: Vec<(u32, i64, K)> = self
            .records
            .iter()
            .map(|(k, r)| (r.failures, r.last_failure_at, k.clone()))
            .collect();
        order.sort_unstable_by_key(|(failures, at, _)| (*failures, *at));
        for (_, _, k) in order.into_iter().take(self.capacity / 10 + 1) {
            self.records.remove(&k);
        }
    }
}

/// A throttle key as the database stores it.
pub trait KeyText {
    fn key_text(&self) -> String;
}

impl KeyText for String {
    fn key_text(&self) -> String {
        self.clone()
    }
}

impl KeyText for (String, String) {
    fn key_text(&self) -> String {
        format!("{}\u{1f}{}", self.0, self.1)
    }
}

impl KeyText for crate::domain::ids::UserId {
    fn key_text(&self) -> String {
        self.0.to_string()
    }
}

/// Failure records of one kind: in memory (one instance, SQLite), or in the database's
/// `throttle` table under a row lock, so that every instance on one PostgreSQL counts the same
/// attempts (an attacker gains nothing by spreading them). Same rules either way (`Record`).
pub enum Counters<K> {
    Local(Mutex<FailureTable<K>>),
    Shared {
        pool: Pool,
        scope: &'static str,
        policy: Policy,
    },
}

impl<K: Hash + Eq + Clone + KeyText> Counters<K> {
    pub fn local(policy: Policy, capacity: usize) -> Self {
        Counters::Local(Mutex::new(FailureTable::new(policy, capacity)))
    }

    /// Records kept in memory (0 when they are in the database).
    pub fn local_len(&self) -> usize {
        match self {
            Counters::Local(t) => lock(t).len(),
            Counters::Shared { .. } => 0,
        }
    }

    /// Shared through the database when it is PostgreSQL, else in memory.
    pub fn for_database(
        db: &Database,
        scope: &'static str,
        policy: Policy,
        capacity: usize,
    ) -> Self {
        match db.kind() {
            Kind::Postgres => Counters::Shared {
                pool: db.pool.clone(),
                scope,
                policy,
            },
            Kind::Sqlite => Self::local(policy, capacity),
        }
    }

    /// See `FailureTable::reserve`. A database that cannot be reached answers "try later":
    /// nothing is checked uncounted.
    pub async fn reserve(&self, key: &K, fp: &Fingerprint, now: i64) -> Result<Reservation, u64> {
        match self {
            Counters::Local(t) => lock(t).reserve(key, fp, now),
            Counters::Shared {
                pool,
                scope,
                policy,
            } => {
                let counted =
                    shared(pool, scope, &key.key_text(), |r| r.reserve(policy, fp, now)).await;
                counted.unwrap_or_else(|e| {
                    tracing::error!("throttle: {e}");
                    Err(1)
                })
            }
        }
    }

    pub async fn give_back(&self, key: &K, fp: &Fingerprint, reservation: Reservation) {
        match self {
            Counters::Local(t) => lock(t).give_back(key, fp, reservation),
            Counters::Shared { pool, scope, .. } => {
                let key = key.key_text();
                if let Err(e) = shared(pool, scope, &key, |r| r.give_back(fp, reservation)).await {
                    tracing::error!("throttle: {e}");
                }
            }
        }
    }

    pub async fn found_wrong(&self, key: &K, fp: &Fingerprint) {
        match self {
            Counters::Local(t) => lock(t).found_wrong(key, fp),
            Counters::Shared { pool, scope, .. } => {
                let key = key.key_text();
                if let Err(e) = shared(pool, scope, &key, |r| r.found_wrong(fp)).await {
                    tracing::error!("throttle: {e}");
                }
            }
        }
    }

    pub async fn clear(&self, key: &K) {
        match self {
            Counters::Local(t) => lock(t).clear(key),
            Counters::Shared { pool, scope, .. } => {
                if let Err(e) = store::throttle::delete(pool, scope, &key.key_text()).await {
                    tracing::error!("throttle: {e}");
                }
            }
        }
    }

    /// Seconds `key` must still wait (0: it may try).
    pub async fn wait(&self, key: &K, now: i64) -> u64 {
        match self {
            Counters::Local(t) => lock(t).wait(key, now),
            Counters::Shared {
                pool,
                scope,
                policy,
            } => match store::throttle::read(pool, scope, &key.key_text()).await {
                Ok(Some(row)) => {
                    let r = record_of(&row);
                    throttle::remaining_wait(policy, r.failures, r.last_failure_at, now)
                }
                Ok(None) => 0,
                Err(e) => {
                    tracing::error!("throttle: {e}");
                    1
                }
            },
        }
    }
}

/// One key's record, locked, changed by `change`, written back, in one transaction.
async fn shared<T>(
    pool: &Pool,
    scope: &str,
    key: &str,
    change: impl FnOnce(&mut Record) -> T,
) -> Result<T, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let row = store::throttle::lock(&mut tx, scope, key).await?;
    let mut record = record_of(&row);
    let out = change(&mut record);
    store::throttle::save(&mut tx, scope, key, &row_of(&record)).await?;
    tx.commit().await?;
    Ok(out)
}

fn record_of(row: &store::throttle::Row) -> Record {
    let fps = |text: &str| -> Vec<Fingerprint> {
        text.split(',')
            .filter_map(|h| {
                let bytes: Vec<u8> = (0..h.len())
                    .step_by(2)
                    .filter_map(|i| h.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
                    .collect();
                bytes.try_into().ok()
            })
            .collect()
    };
    Record {
        failures: u32::try_from(row.failures).unwrap_or(u32::MAX),
        last_failure_at: row.last_failure_at,
        seen: fps(&row.seen),
        wrong: fps(&row.wrong),
    }
}

fn row_of(record: &Record) -> store::throttle::Row {
    let hex = |fps: &[Fingerprint]| -> String {
        fps.iter()
            .map(|f| f.iter().map(|b| format!("{b:02x}")).collect::<String>())
            .collect::<Vec<_>>()
            .join(",")
    };
    store::throttle::Row {
        failures: i64::from(record.failures),
        last_failure_at: record.last_failure_at,
        seen: hex(&record.seen),
        wrong: hex(&record.wrong),
    }
}

/// A process-random HMAC key for fingerprints (they only need to be compared in memory).
pub struct Fingerprinter(Hmac<Sha256>);

impl Default for Fingerprinter {
    fn default() -> Self {
        let mut key = zeroize::Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(key.as_mut());
        Self(<Hmac<Sha256> as Mac>::new_from_slice(&key[..]).expect("HMAC takes any key length"))
    }
}

impl Fingerprinter {
    /// Keyed from the key file, so every instance computes the same fingerprints (shared
    /// counts must recognise a password seen by another instance).
    pub fn derived(key: &[u8; 32], purpose: &str) -> Self {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
        mac.update(b"syncgate throttle fingerprints/");
        mac.update(purpose.as_bytes());
        let derived = zeroize::Zeroizing::new(<[u8; 32]>::from(mac.finalize().into_bytes()));
        Self(
            <Hmac<Sha256> as Mac>::new_from_slice(&derived[..]).expect("HMAC takes any key length"),
        )
    }

    /// A keyed hash of the parts, each length-prefixed (no two part lists collide).
    pub fn of(&self, parts: &[&[u8]]) -> Fingerprint {
        let mut mac = self.0.clone();
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
}

/// The key of a client address: IPv4 whole, IPv6 by its /64 (one host usually owns a /64,
/// so rotating through it buys nothing).
pub fn address_key(address: &str) -> String {
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map(|v4| v4.to_string())
            .unwrap_or_default(),
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => address.to_string(),
    }
}

/// Records kept per table: a few MB each at most (see README, "Security").
pub const TABLE_CAPACITY: usize = 100_000;

/// The console's login and re-authentication throttle: per account *and* address (so the
/// owner elsewhere is not locked out by a stranger), and per address whatever the account.
pub struct LoginThrottle {
    fingerprints: Fingerprinter,
    accounts: Counters<(String, String)>,
    addresses: Counters<String>,
}

impl Default for LoginThrottle {
    /// In memory, with a process-random fingerprint key (tests).
    fn default() -> Self {
        Self {
            fingerprints: Fingerprinter::default(),
            accounts: Counters::local(PER_ACCOUNT, TABLE_CAPACITY),
            addresses: Counters::local(PER_ADDRESS, TABLE_CAPACITY),
        }
    }
}

/// One login attempt, counted as a failure until `succeeded` says otherwise.
pub struct LoginAttempt {
    account: (String, String),
    address: String,
    fp: Fingerprint,
    on_address: Reservation,
    /// This password already failed for this account from this address: answer "wrong"
    /// without another argon2 run (a client repeating it cannot keep the hashing busy).
    pub known_wrong: bool,
}

impl LoginThrottle {
    /// Counting where the database says (shared on PostgreSQL), fingerprints keyed from the
    /// key file.
    pub fn new(db: &Database, key: &[u8; 32]) -> Self {
        Self {
            fingerprints: Fingerprinter::derived(key, "console"),
            accounts: Counters::for_database(db, "console_account", PER_ACCOUNT, TABLE_CAPACITY),
            addresses: Counters::for_database(db, "console_address", PER_ADDRESS, TABLE_CAPACITY),
        }
    }

    /// Reserves the attempt before any hashing: `Err(secs)` means "try later", nothing checked.
    pub async fn begin(
        &self,
        account: &str,
        address: &str,
        password: &str,
        now: i64,
    ) -> Result<LoginAttempt, u64> {
        let account = account.trim().to_lowercase();
        let address = address_key(address);
        let fp = self
            .fingerprints
            .of(&[account.as_bytes(), password.as_bytes()]);
        let account = (account, address.clone());
        let on_address = self.addresses.reserve(&address, &fp, now).await?;
        let on_account = match self.accounts.reserve(&account, &fp, now).await {
            Ok(r) => r,
            Err(wait) => {
                self.addresses.give_back(&address, &fp, on_address).await;
                return Err(wait);
            }
        };
        Ok(LoginAttempt {
            account,
            address,
            fp,
            on_address,
            known_wrong: on_account.known_wrong(),
        })
    }

    /// The password was checked and is wrong.
    pub async fn failed(&self, attempt: &LoginAttempt) {
        self.accounts
            .found_wrong(&attempt.account, &attempt.fp)
            .await;
    }

    /// The password was right: the account's failures from this address are forgiven (not
    /// the address's others: one good account must not launder an address guessing others).
    pub async fn succeeded(&self, attempt: LoginAttempt) {
        self.addresses
            .give_back(&attempt.address, &attempt.fp, attempt.on_address)
            .await;
        self.accounts.clear(&attempt.account).await;
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves only counters behind: safe to keep using.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(t: &LoginThrottle, who: &str, addr: &str, pw: &str, now: i64) -> Result<(), u64> {
        block_on(t.begin(who, addr, pw, now)).map(|_| ())
    }

    /// The in-memory throttle never waits on anything: its futures finish at once.
    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
            .block_on(f)
    }

    #[test]
    fn account_is_slowed_after_five_distinct_failures_and_recovers() {
        let t = LoginThrottle::default();
        for n in 0..5 {
            assert_eq!(
                attempt(&t, "anna", "10.0.0.1", &format!("g{n}"), 100),
                Ok(())
            );
        }
        assert_eq!(attempt(&t, "Anna", "10.0.0.1", "right", 100), Err(30));
        // Other accounts, and the same account from another address, are not slowed.
        assert_eq!(attempt(&t, "bruno", "10.0.0.2", "x", 100), Ok(()));
        let ok = block_on(t.begin("anna", "10.0.0.9", "right", 100)).unwrap();
        block_on(t.succeeded(ok));
        assert_eq!(attempt(&t, "anna", "10.0.0.1", "right", 130), Ok(()));
    }

    #[test]
    fn the_same_wrong_password_counts_once() {
        let t = LoginThrottle::default();
        for _ in 0..20 {
            assert_eq!(attempt(&t, "anna", "10.0.0.1", "old-password", 100), Ok(()));
        }
        for n in 0..4 {
            assert_eq!(
                attempt(&t, "anna", "10.0.0.1", &format!("g{n}"), 100),
                Ok(())
            );
        }
        assert_eq!(attempt(&t, "anna", "10.0.0.1", "g9", 100), Err(30));
    }

    #[test]
    fn a_right_password_is_given_back() {
        let t = LoginThrottle::default();
        for n in 0..4 {
            assert_eq!(
                attempt(&t, "anna", "10.0.0.1", &format!("g{n}"), 100),
                Ok(())
            );
        }
        let ok = block_on(t.begin("anna", "10.0.0.1", "right", 100)).unwrap();
        block_on(t.succeeded(ok));
        for n in 0..5 {
            assert_eq!(
                attempt(&t, "anna", "10.0.0.1", &format!("h{n}"), 100),
                Ok(())
            );
        }
    }

    #[test]
    fn one_address_guessing_many_accounts_is_slowed() {
        let t = LoginThrottle::default();
        for i in 0..20 {
            assert_eq!(
                attempt(&t, &format!("user{i}"), "10.9.9.9", "guess", 50),
                Ok(())
            );
        }
        assert_eq!(attempt(&t, "someone-else", "10.9.9.9", "x", 50), Err(30));
        assert_eq!(attempt(&t, "someone-else", "10.9.9.8", "x", 50), Ok(()));
    }

    #[test]
    fn ipv6_hosts_are_keyed_by_their_64() {
        assert_eq!(address_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(address_key("2001:db8:1:2:bbbb::7"), "2001:db8:1:2::/64");
        assert_eq!(address_key("::ffff:10.0.0.1"), "10.0.0.1");
        assert_eq!(address_key("10.0.0.1"), "10.0.0.1");
    }

    #[test]
    fn a_full_table_drops_forgotten_and_harmless_records_first() {
        let mut table: FailureTable<u32> = FailureTable::new(PER_ACCOUNT, 100);
        let fp = |n: u32| -> Fingerprint {
            let mut f = [0u8; 32];
            f[..4].copy_from_slice(&n.to_be_bytes());
            f
        };
        // Key 0 is under attack: locked.
        for n in 0..5 {
            table.reserve(&0, &fp(n), 1000).unwrap();
        }
        assert!(table.reserve(&0, &fp(99), 1000).is_err());
        // A flood of single failures on other keys.
        for k in 1..100_000u32 {
            let _ = table.reserve(&k, &fp(k), 1000 + i64::from(k % 50));
        }
        assert!(table.len() <= 100, "bounded: {}", table.len());
        assert!(table.reserve(&0, &fp(99), 1001).is_err(), "still locked");
    }
}
