//! Every SQL statement, one module per table group, one function per statement or
//! transaction, parameters always bound.

pub mod audit;
pub mod devices;
pub mod email_codes;
pub mod settings;
pub mod users;

/// Counts, in this process, the committed writes that may change what a device's password
/// opens (passwords, flags, 2FA, email, the service switch, device blocks), per user and for
/// everyone. The ActiveSync door trusts a cached check only while the stamp it was made under
/// is current. Callers bump *after* their transaction commits: a door request reading in
/// between must not cache the old state under the new stamp. Changes made by another process
/// (the command line) are found by the door's periodic look at the database.
pub mod credential_epoch {
    use std::sync::atomic::{AtomicU64, Ordering};

    /// Users share counters by id modulo this (a bump may also forget a neighbour's cache:
    /// harmless), so memory stays fixed whatever the number of users.
    const SHARDS: usize = 1024;
    static EVERYONE: AtomicU64 = AtomicU64::new(0);
    static USERS: [AtomicU64; SHARDS] = [const { AtomicU64::new(0) }; SHARDS];

    /// What a cached check was made under.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Stamp {
        everyone: u64,
        user: u64,
    }

    fn shard(user_id: i64) -> &'static AtomicU64 {
        &USERS[(user_id.unsigned_abs() % SHARDS as u64) as usize]
    }

    /// One user's credentials or flags changed.
    pub fn bump_user(user_id: i64) {
        shard(user_id).fetch_add(1, Ordering::SeqCst);
    }

    /// Something that concerns every user, or which name reaches which user (a new user, an
    /// email address), changed.
    pub fn bump_all() {
        EVERYONE.fetch_add(1, Ordering::SeqCst);
    }

    /// The stamp now, for `user_id` (`None`: a name that matched nobody).
    pub fn stamp(user_id: Option<i64>) -> Stamp {
        Stamp {
            everyone: EVERYONE.load(Ordering::SeqCst),
            user: user_id.map_or(0, |id| shard(id).load(Ordering::SeqCst)),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_bump_outdates_that_users_stamps_and_not_others() {
            let (a, b) = (stamp(Some(7)), stamp(Some(8)));
            bump_user(7);
            assert_ne!(stamp(Some(7)), a);
            assert_eq!(stamp(Some(8)), b);
            let nobody = stamp(None);
            bump_all();
            assert_ne!(stamp(None), nobody);
            assert_ne!(stamp(Some(8)), b);
        }
    }
}

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;
use std::time::Duration;

/// Opens (creating if needed) the SQLite database in WAL mode with foreign keys on.
pub async fn connect(url: &str) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
}

pub async fn migrate(pool: &SqlitePool) -> Result<(), sqlx::migrate::MigrateError> {
    sqlx::migrate!("../migrations/sqlite").run(pool).await
}
