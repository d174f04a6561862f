//! Counts the committed writes that may change what a device's password opens, so the
//! ActiveSync door trusts a cached check only while nothing it depended on changed. Callers
//! bump *after* their transaction commits: a door request reading in between must not cache
//! the old state under the new stamp. Changes made by another process (the command line) are
//! found by the door's periodic look at the database.
//!
//! Three kinds of change: one user's passwords, flags, 2FA, email or devices (`bump_user`);
//! which name reaches which user (`bump_names`: a new user, a new email address), which only
//! outdates what the door remembers about names that matched nobody; and the organisation's
//! policy (`bump_policy`: the ActiveSync service switch), which outdates everything. So a new
//! user does not make every working phone check its password again.

use crate::domain::ids::UserId;
use std::sync::atomic::{AtomicU64, Ordering};

/// Users share counters by id modulo this (a bump may also outdate a neighbour's cache:
/// harmless), so memory stays fixed whatever the number of users.
const SHARDS: usize = 16_384;

pub struct CredentialEpochs {
    policy: AtomicU64,
    names: AtomicU64,
    users: Box<[AtomicU64]>,
}

/// What a cached check was made under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    policy: u64,
    /// The user's counter, or the names counter for a name that matched nobody.
    subject: u64,
}

impl Default for CredentialEpochs {
    fn default() -> Self {
        Self {
            policy: AtomicU64::new(0),
            names: AtomicU64::new(0),
            users: (0..SHARDS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

impl CredentialEpochs {
    fn shard(&self, user_id: UserId) -> &AtomicU64 {
        &self.users[(user_id.0.unsigned_abs() % SHARDS as u64) as usize]
    }

    /// One user's credentials, flags, 2FA, email or devices changed.
    pub fn bump_user(&self, user_id: UserId) {
        self.shard(user_id).fetch_add(1, Ordering::SeqCst);
    }

    /// A name may now reach a user it did not (a new user, a new email address).
    pub fn bump_names(&self) {
        self.names.fetch_add(1, Ordering::SeqCst);
    }

    /// Something that concerns every user's devices changed (the service switch), or
    /// something changed that this process cannot pin down (another process wrote).
    pub fn bump_policy(&self) {
        self.policy.fetch_add(1, Ordering::SeqCst);
        self.names.fetch_add(1, Ordering::SeqCst);
    }

    /// The stamp now for `user_id`; `None`: a name that matched nobody.
    pub fn stamp(&self, user_id: Option<UserId>) -> Stamp {
        Stamp {
            policy: self.policy.load(Ordering::SeqCst),
            subject: match user_id {
                Some(id) => self.shard(id).load(Ordering::SeqCst),
                None => self.names.load(Ordering::SeqCst),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_change_outdates_what_it_concerns_and_nothing_else() {
        let e = CredentialEpochs::default();
        let (a, b, nobody) = (
            e.stamp(Some(UserId(7))),
            e.stamp(Some(UserId(8))),
            e.stamp(None),
        );
        e.bump_user(UserId(7));
        assert_ne!(e.stamp(Some(UserId(7))), a);
        assert_eq!(e.stamp(Some(UserId(8))), b);
        assert_eq!(e.stamp(None), nobody);

        let (a, b) = (e.stamp(Some(UserId(7))), e.stamp(Some(UserId(8))));
        e.bump_names();
        assert_eq!(
            e.stamp(Some(UserId(7))),
            a,
            "a new user does not outdate working phones"
        );
        assert_eq!(e.stamp(Some(UserId(8))), b);
        assert_ne!(
            e.stamp(None),
            nobody,
            "but a name that matched nobody may match now"
        );

        let (b, nobody) = (e.stamp(Some(UserId(8))), e.stamp(None));
        e.bump_policy();
        assert_ne!(e.stamp(Some(UserId(8))), b);
        assert_ne!(e.stamp(None), nobody);
    }
}
