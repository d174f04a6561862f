//! Failed-login bookkeeping per account and per client address, in memory. The waiting
//! rules themselves are pure (`domain::throttle`).

use crate::domain::throttle::{self, Policy, PER_ACCOUNT, PER_ADDRESS};
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Clone, Copy)]
struct Record {
    failures: u32,
    last_failure_at: i64,
}

#[derive(Default)]
struct Table(HashMap<String, Record>);

/// Past this many keys, forgotten records are swept on the next failure.
const SWEEP_AT: usize = 10_000;

impl Table {
    fn wait(&self, policy: &Policy, key: &str, now: i64) -> u64 {
        self.0
            .get(key)
            .map(|r| throttle::remaining_wait(policy, r.failures, r.last_failure_at, now))
            .unwrap_or(0)
    }

    fn fail(&mut self, policy: &Policy, key: &str, now: i64) {
        if self.0.len() >= SWEEP_AT {
            self.0
                .retain(|_, r| !throttle::is_forgotten(policy, r.last_failure_at, now));
        }
        let record = self.0.entry(key.to_string()).or_insert(Record {
            failures: 0,
            last_failure_at: now,
        });
        if throttle::is_forgotten(policy, record.last_failure_at, now) {
            record.failures = 0;
        }
        record.failures = record.failures.saturating_add(1);
        record.last_failure_at = now;
    }
}

#[derive(Default)]
pub struct LoginThrottle {
    accounts: Mutex<Table>,
    addresses: Mutex<Table>,
}

impl LoginThrottle {
    /// Seconds the caller must still wait; 0 when the attempt may go ahead.
    pub fn wait(&self, account: &str, address: &str, now: i64) -> u64 {
        let a = lock(&self.accounts).wait(&PER_ACCOUNT, &account.to_lowercase(), now);
        let b = lock(&self.addresses).wait(&PER_ADDRESS, address, now);
        a.max(b)
    }

    pub fn record_failure(&self, account: &str, address: &str, now: i64) {
        lock(&self.accounts).fail(&PER_ACCOUNT, &account.to_lowercase(), now);
        lock(&self.addresses).fail(&PER_ADDRESS, address, now);
    }

    /// A successful login clears the account's record (not the address's: one good account
    /// must not launder an address that is guessing others).
    pub fn record_success(&self, account: &str) {
        lock(&self.accounts).0.remove(&account.to_lowercase());
    }
}

fn lock(m: &Mutex<Table>) -> std::sync::MutexGuard<'_, Table> {
    // A panic while holding the lock leaves only counters behind: safe to keep using.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_is_slowed_after_free_failures_and_recovers() {
        let t = LoginThrottle::default();
        for _ in 0..5 {
            assert_eq!(t.wait("anna", "10.0.0.1", 100), 0);
            t.record_failure("Anna", "10.0.0.1", 100);
        }
        assert_eq!(t.wait("anna", "10.0.0.1", 100), 2);
        // Other accounts from another address are not slowed.
        assert_eq!(t.wait("bruno", "10.0.0.2", 100), 0);
        assert_eq!(t.wait("anna", "10.0.0.1", 102), 0);
        t.record_success("anna");
        t.record_failure("anna", "10.0.0.1", 103);
        assert_eq!(t.wait("anna", "10.0.0.1", 103), 0);
    }

    #[test]
    fn one_address_guessing_many_accounts_is_slowed() {
        let t = LoginThrottle::default();
        for i in 0..20 {
            t.record_failure(&format!("user{i}"), "10.9.9.9", 50);
        }
        assert_eq!(t.wait("someone-else", "10.9.9.9", 50), 1);
        assert_eq!(t.wait("someone-else", "10.9.9.8", 50), 0);
    }
}
