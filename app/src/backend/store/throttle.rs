//! The `throttle` table: one row per (scope, key) of failed attempts, read and written under
//! a row lock so that two instances counting the same account see each other's count. Used on
//! PostgreSQL only (`FOR UPDATE`); SQLite's single instance counts in memory.

use super::{Connection, Pool};

/// A key's failures as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Row {
    pub failures: i64,
    pub last_failure_at: i64,
    pub seen: String,
    pub wrong: String,
}

/// The row, locked until the transaction ends (created empty if missing).
pub async fn lock(db: &mut Connection, scope: &str, key: &str) -> Result<Row, sqlx::Error> {
    sqlx::query(
        "INSERT INTO throttle (scope, key, failures, last_failure_at) VALUES ($1, $2, 0, 0) \
         ON CONFLICT (scope, key) DO NOTHING",
    )
    .bind(scope)
    .bind(key)
    .execute(&mut *db)
    .await?;
    sqlx::query_as(
        "SELECT failures, last_failure_at, seen, wrong FROM throttle \
         WHERE scope = $1 AND key = $2 FOR UPDATE",
    )
    .bind(scope)
    .bind(key)
    .fetch_one(&mut *db)
    .await
}

pub async fn save(
    db: &mut Connection,
    scope: &str,
    key: &str,
    row: &Row,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE throttle SET failures = $1, last_failure_at = $2, seen = $3, wrong = $4 \
         WHERE scope = $5 AND key = $6",
    )
    .bind(row.failures)
    .bind(row.last_failure_at)
    .bind(&row.seen)
    .bind(&row.wrong)
    .bind(scope)
    .bind(key)
    .execute(&mut *db)
    .await?;
    Ok(())
}

pub async fn read(pool: &Pool, scope: &str, key: &str) -> Result<Option<Row>, sqlx::Error> {
    sqlx::query_as(
        "SELECT failures, last_failure_at, seen, wrong FROM throttle WHERE scope = $1 AND key = $2",
    )
    .bind(scope)
    .bind(key)
    .fetch_optional(pool)
    .await
}

pub async fn delete(pool: &Pool, scope: &str, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM throttle WHERE scope = $1 AND key = $2")
        .bind(scope)
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
}

/// Drops rows whose last failure is older than `before` (forgotten by the rules anyway).
pub async fn prune(pool: &Pool, before: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM throttle WHERE last_failure_at < $1")
        .bind(before)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn forgotten_rows_are_pruned_and_recent_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::backend::store::temporary(dir.path()).await;
        for (key, at) in [("old", 100), ("recent", 5_000)] {
            sqlx::query(
                "INSERT INTO throttle (scope, key, failures, last_failure_at) VALUES ('s', $1, 3, $2)",
            )
            .bind(key)
            .bind(at)
            .execute(&db.pool)
            .await
            .unwrap();
        }
        assert_eq!(prune(&db.pool, 1_000).await.unwrap(), 1);
        assert!(read(&db.pool, "s", "old").await.unwrap().is_none());
        assert_eq!(
            read(&db.pool, "s", "recent")
                .await
                .unwrap()
                .unwrap()
                .failures,
            3
        );
        delete(&db.pool, "s", "recent").await.unwrap();
        assert!(read(&db.pool, "s", "recent").await.unwrap().is_none());
    }
}
