//! Sessions live in the database the store uses, so that every instance on one PostgreSQL
//! knows every session: one store type over `tower-sessions-sqlx-store`'s two.

use app::backend::store::{Database, Native};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

#[derive(Clone, Debug)]
pub enum Sessions {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Sessions {
    /// The store over the database's own pool, its table created if missing.
    pub async fn open(db: &Database) -> anyhow::Result<Sessions> {
        let sessions = match &db.native {
            Native::Sqlite(pool) => Sessions::Sqlite(
                SqliteStore::new(pool.clone())
                    .with_table_name("sessions")
                    .map_err(anyhow::Error::msg)?,
            ),
            Native::Postgres(pool) => Sessions::Postgres(
                PostgresStore::new(pool.clone())
                    .with_table_name("sessions")
                    .map_err(anyhow::Error::msg)?,
            ),
        };
        match &sessions {
            Sessions::Sqlite(s) => s.migrate().await?,
            Sessions::Postgres(s) => s.migrate().await?,
        }
        Ok(sessions)
    }
}

#[async_trait::async_trait]
impl SessionStore for Sessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s) => s.create(record).await,
            Sessions::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s) => s.save(record).await,
            Sessions::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Sessions::Sqlite(s) => s.load(id).await,
            Sessions::Postgres(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s) => s.delete(id).await,
            Sessions::Postgres(s) => s.delete(id).await,
        }
    }
}

#[async_trait::async_trait]
impl ExpiredDeletion for Sessions {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s) => s.delete_expired().await,
            Sessions::Postgres(s) => s.delete_expired().await,
        }
    }
}
