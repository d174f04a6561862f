//! The `imports` table: one row per imported file, its progress counters updated as batches
//! commit, and its report once finished.

use super::super::{Connection, Pool};
use crate::domain::ids::UserId;
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct ImportRow {
    pub id: i64,
    pub user_id: UserId,
    pub kind: String,
    pub file_name: String,
    pub total: i64,
    pub done: i64,
    pub added: i64,
    pub updated: i64,
    /// JSON list of skipped items (`domain::model::import::Skipped`).
    pub skipped: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
}

pub async fn start(
    pool: &Pool,
    user: UserId,
    kind: &str,
    file_name: &str,
    total: i64,
    skipped: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO imports (user_id, kind, file_name, total, skipped, started_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(user)
    .bind(kind)
    .bind(file_name)
    .bind(total)
    .bind(skipped)
    .bind(now)
    .fetch_one(pool)
    .await?;
    Ok(id)
}

/// Counts a committed batch (in the batch's own transaction, so the counters never run ahead).
pub async fn progress(
    db: &mut Connection,
    id: i64,
    done: i64,
    added: i64,
    updated: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE imports SET done = done + $2, added = added + $3, updated = updated + $4 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(done)
    .bind(added)
    .bind(updated)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn finish(pool: &Pool, id: i64, skipped: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE imports SET skipped = $2, finished_at = $3 WHERE id = $1")
        .bind(id)
        .bind(skipped)
        .bind(now)
        .execute(pool)
        .await
        .map(|_| ())
}

/// The user's own import (`None` for another user's).
pub async fn get(pool: &Pool, user: UserId, id: i64) -> Result<Option<ImportRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, user_id, kind, file_name, total, done, added, updated, skipped, started_at, \
         finished_at FROM imports WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user)
    .fetch_optional(pool)
    .await
}
