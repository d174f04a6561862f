//! Every SQL statement, one module per table group, one function per statement or
//! transaction, parameters always bound.
//!
//! One set of statements for SQLite (the embedded default) and PostgreSQL (several instances):
//! they run through sqlx's `Any` driver, written in the SQL both understand — `$1` parameters,
//! `TRUE`/`FALSE` for flags (integers in SQLite, booleans in PostgreSQL, read by `columns::Flag`),
//! `RETURNING`, `ON CONFLICT`. The schemas live side by side in `migrations/sqlite` and
//! `migrations/postgres`, one file per step in both.

pub mod audit;
pub mod columns;
pub mod copy;
pub mod devices;
pub mod email_codes;
pub mod mail_queue;
pub mod mail_settings;
pub mod notify;
pub mod pim;
pub mod second_factor;
pub mod settings;
pub mod sync;
pub mod throttle;
pub mod users;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::SqliteSynchronous;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{Connection as _, Executor};
use std::str::FromStr;
use std::sync::Once;
use std::time::Duration;

/// The pool every store function runs on.
pub type Pool = sqlx::AnyPool;
/// What store functions that take part in a caller's transaction accept.
pub type Connection = sqlx::AnyConnection;
pub use sqlx::any::AnyExecutor as Executes;

/// A search's words (at most 8) as `LIKE` patterns, lower case, for `LIKE $n ESCAPE '\'`:
/// `%`, `_` and `\` in a word are themselves, not patterns. Shared by the contacts and the
/// admin's user list.
pub(crate) fn like_words(search: &str) -> Vec<String> {
    search
        .split_whitespace()
        .take(8)
        .map(|w| {
            let w = w
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{w}%")
        })
        .collect()
}

/// Which database a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

impl Kind {
    pub fn of(url: &str) -> Option<Kind> {
        if url.starts_with("sqlite:") {
            Some(Kind::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Kind::Postgres)
        } else {
            None
        }
    }
}

/// The same database as the driver's own pool, for what needs it: sessions
/// (`tower-sessions-sqlx-store`) and PostgreSQL's `LISTEN`.
#[derive(Clone, Debug)]
pub enum Native {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open database: the pool of the store and the driver's own.
#[derive(Clone, Debug)]
pub struct Database {
    pub pool: Pool,
    pub native: Native,
}

impl Database {
    pub fn kind(&self) -> Kind {
        match self.native {
            Native::Sqlite(_) => Kind::Sqlite,
            Native::Postgres(_) => Kind::Postgres,
        }
    }
}

/// Opens the database the URL names; SQLite is created if missing, in WAL mode with foreign
/// keys on.
pub async fn connect(url: &str) -> Result<Database, sqlx::Error> {
    static DRIVERS: Once = Once::new();
    DRIVERS.call_once(sqlx::any::install_default_drivers);
    match Kind::of(url) {
        Some(Kind::Sqlite) => {
            let native = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5));
            let sessions = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(native.clone())
                .await?;
            // The file exists now (created above); the `Any` pool opens it with the same
            // pragmas on every connection.
            let pool = AnyPoolOptions::new()
                .max_connections(8)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        for pragma in [
                            "PRAGMA foreign_keys = ON",
                            "PRAGMA synchronous = NORMAL",
                            "PRAGMA busy_timeout = 5000",
                        ] {
                            conn.execute(pragma).await?;
                        }
                        Ok(())
                    })
                })
                .connect_with(AnyConnectOptions::from_str(url)?)
                .await?;
            Ok(Database {
                pool,
                native: Native::Sqlite(sessions),
            })
        }
        Some(Kind::Postgres) => {
            let options = PgConnectOptions::from_str(url)?;
            // One connection first: a pool would retry a refused connection or a wrong
            // password until its timeout and then report only the timeout.
            sqlx::PgConnection::connect_with(&options)
                .await?
                .close()
                .await?;
            let native = PgPoolOptions::new()
                .max_connections(4)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options.clone())
                .await?;
            let pool = AnyPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(AnyConnectOptions::from_str(url)?)
                .await?;
            Ok(Database {
                pool,
                native: Native::Postgres(native),
            })
        }
        None => Err(sqlx::Error::Configuration(
            "the database URL must start with sqlite:, postgres:// or postgresql://".into(),
        )),
    }
}

/// Applies the migrations this binary knows for the database's kind.
pub async fn migrate(db: &Database) -> Result<(), sqlx::migrate::MigrateError> {
    match db.kind() {
        Kind::Sqlite => sqlx::migrate!("../migrations/sqlite").run(&db.pool).await,
        Kind::Postgres => sqlx::migrate!("../migrations/postgres").run(&db.pool).await,
    }
}

/// A new, migrated database for unit tests: SQLite in `dir`, or a new database on the
/// PostgreSQL server of `SYNCGATE_TEST_DATABASE_URL` when it is set (`make test` runs the
/// tests once on each).
#[cfg(test)]
pub async fn temporary(dir: &std::path::Path) -> Database {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let url = match std::env::var("SYNCGATE_TEST_DATABASE_URL") {
        Ok(base) if !base.is_empty() => {
            let name = format!(
                "u{}_{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            );
            let mut admin = sqlx::PgConnection::connect(&base)
                .await
                .expect("the PostgreSQL server of SYNCGATE_TEST_DATABASE_URL");
            admin
                .execute(format!("CREATE DATABASE {name}").as_str())
                .await
                .expect("create a test database");
            let mut url = url::Url::parse(&base).expect("a URL");
            url.set_path(&format!("/{name}"));
            url.to_string()
        }
        _ => format!("sqlite://{}", dir.join("t.db").display()),
    };
    let db = connect(&url).await.expect("a temporary database");
    migrate(&db).await.expect("migrations");
    db
}
