//! Who waits for a user's folders to change. A waiter subscribes for one user and is woken
//! when any of that user's folders changes (it then asks the change log what changed): one
//! wake-up per waiter of that user, none for the others, no polling.

use crate::domain::ids::UserId;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::watch;

/// The latest change seen for a user: how many so far (since start) and in which folder.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FolderTick {
    pub count: u64,
    pub folder: i64,
}

#[derive(Default)]
pub struct FolderWatch {
    users: Mutex<HashMap<UserId, watch::Sender<FolderTick>>>,
}

impl FolderWatch {
    /// A receiver that sees every later change of the user's folders (`changed().await`).
    pub fn subscribe(&self, user: UserId) -> watch::Receiver<FolderTick> {
        let mut users = self.lock();
        users
            .entry(user)
            .or_insert_with(|| watch::channel(FolderTick::default()).0)
            .subscribe()
    }

    /// Tells the user's waiters that `folder` changed. Users nobody waits for are forgotten.
    pub fn changed(&self, user: UserId, folder: i64) {
        let mut users = self.lock();
        if let Some(tx) = users.get(&user) {
            if tx.receiver_count() == 0 {
                users.remove(&user);
            } else {
                tx.send_modify(|t| {
                    t.count += 1;
                    t.folder = folder;
                });
            }
        }
    }

    /// How many users have a waiter (for tests and figures).
    pub fn watched_users(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, watch::Sender<FolderTick>>> {
        // A panic while holding this lock leaves the map itself intact: keep using it.
        self.users.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_change_wakes_the_users_waiters_and_no_one_else() {
        let w = FolderWatch::default();
        let mut anna = w.subscribe(UserId(1));
        let mut anna_phone2 = w.subscribe(UserId(1));
        let bob = w.subscribe(UserId(2));
        w.changed(UserId(1), 7);
        anna.changed().await.unwrap();
        assert_eq!(
            *anna.borrow_and_update(),
            FolderTick {
                count: 1,
                folder: 7
            }
        );
        anna_phone2.changed().await.unwrap();
        assert!(!bob.has_changed().unwrap(), "bob's folders did not change");
    }

    #[tokio::test]
    async fn users_nobody_waits_for_are_forgotten() {
        let w = FolderWatch::default();
        let r = w.subscribe(UserId(1));
        assert_eq!(w.watched_users(), 1);
        drop(r);
        w.changed(UserId(1), 7);
        assert_eq!(w.watched_users(), 0);
        w.changed(UserId(3), 7);
        assert_eq!(w.watched_users(), 0, "a change for nobody keeps nothing");
    }
}
