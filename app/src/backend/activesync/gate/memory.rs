//! What the gate remembers: good sign-ins per device (trusted for a day without a hash),
//! passwords known to be wrong, and the lock of an account, all bounded.

use super::*;

/// A device's right password: let in (`allowed`), or refused by the policy (403, cached so
/// that a refused user's phone does not cost a hash per request).
pub(super) struct Good {
    pub(super) user: Arc<UserRecord>,
    pub(super) allowed: bool,
    pub(super) stamp: Stamp,
    /// Last time it was used: a polling phone keeps it alive.
    pub(super) last_ok_at: AtomicI64,
}

/// A password known to be wrong for a name (or a name known to match nobody).
#[derive(Clone, Copy)]
pub(super) struct Wrong {
    pub(super) user_id: Option<UserId>,
    pub(super) stamp: Stamp,
    pub(super) at: i64,
}

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Only counters and cached checks live behind these locks: safe to use after a panic.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Gate {
    /// Sizes of the tables (good sign-ins, wrong passwords, accounts, addresses).
    pub fn sizes(&self) -> [usize; 4] {
        [
            self.good.read().map(|m| m.len()).unwrap_or(0),
            lock(&self.wrong).len(),
            self.accounts.local_len(),
            lock(&self.addresses).len(),
        ]
    }

    /// The known-good sign-in of this device with these credentials, if still current.
    pub(super) fn known_good(
        &self,
        epochs: &CredentialEpochs,
        key: &Fingerprint,
        now: i64,
    ) -> Option<(Arc<UserRecord>, bool)> {
        let map = self.good.read().unwrap_or_else(|p| p.into_inner());
        let good = map.get(key)?;
        if good.stamp != epochs.stamp(Some(good.user.id))
            || now - good.last_ok_at.load(Ordering::Relaxed) >= GOOD_FOR_SECS
        {
            return None;
        }
        // Refreshed once a minute, not per request: a write per request would bounce the
        // entry's cache line between the cores serving a polling phone.
        if now - good.last_ok_at.load(Ordering::Relaxed) >= 60 {
            good.last_ok_at.store(now, Ordering::Relaxed);
        }
        Some((good.user.clone(), good.allowed))
    }

    /// Seconds `user_id` is locked for (0: not locked). No lock taken while nothing failed.
    pub(super) async fn account_wait(&self, user_id: UserId, now: i64) -> u64 {
        if now >= self.locked_until.load(Ordering::Relaxed) {
            return 0;
        }
        self.accounts.wait(&user_id, now).await
    }

    /// Whether too many wrong guesses came under this device while the account was locked.
    pub(super) fn distrusted(&self, user_id: UserId, device: &Fingerprint, now: i64) -> bool {
        lock(&self.misses).wait(&(user_id, *device), now) > 0
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn remember_good(
        &self,
        epochs: &CredentialEpochs,
        key: Fingerprint,
        user: Arc<UserRecord>,
        allowed: bool,
        stamp: Stamp,
        now: i64,
    ) {
        let mut map = self.good.write().unwrap_or_else(|p| p.into_inner());
        if map.len() >= GOOD_CAPACITY && !map.contains_key(&key) {
            map.retain(|_, g| {
                now - g.last_ok_at.load(Ordering::Relaxed) < GOOD_FOR_SECS
                    && g.stamp == epochs.stamp(Some(g.user.id))
            });
            if map.len() >= GOOD_CAPACITY {
                // Still full of live devices: the least recently used tenth goes.
                let mut by_age: Vec<(i64, Fingerprint)> = map
                    .iter()
                    .map(|(k, g)| (g.last_ok_at.load(Ordering::Relaxed), *k))
                    .collect();
                by_age.sort_unstable();
                for (_, k) in by_age.into_iter().take(GOOD_CAPACITY / 10 + 1) {
                    map.remove(&k);
                }
            }
        }
        map.insert(
            key,
            Good {
                user,
                allowed,
                stamp,
                last_ok_at: AtomicI64::new(now),
            },
        );
    }

    pub(super) fn known_wrong(&self, epochs: &CredentialEpochs, fp: &Fingerprint) -> Option<Wrong> {
        let map = lock(&self.wrong);
        let w = *map.get(fp)?;
        (w.stamp == epochs.stamp(w.user_id)).then_some(w)
    }

    pub(super) fn remember_wrong(&self, fp: Fingerprint, wrong: Wrong) {
        let mut map = lock(&self.wrong);
        if map.len() >= WRONG_CAPACITY && !map.contains_key(&fp) {
            // The older half goes: these only save a hash for a phone with an old password.
            let mut by_age: Vec<(i64, Fingerprint)> = map.iter().map(|(k, w)| (w.at, *k)).collect();
            by_age.sort_unstable();
            for (_, k) in by_age.into_iter().take(WRONG_CAPACITY / 2) {
                map.remove(&k);
            }
        }
        map.insert(fp, wrong);
    }
}
