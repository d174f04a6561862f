//! The `audit_events` table: who did what to whom, when, from where.

use super::{Executes, Pool};
use crate::domain::ids::UserId;
use sqlx::FromRow;

pub struct NewEvent<'a> {
    pub at: i64,
    pub actor_id: Option<UserId>,
    /// `None` for organisation-wide changes.
    pub target_id: Option<UserId>,
    pub action: &'a str,
    pub address: &'a str,
}

#[derive(Debug, Clone, FromRow)]
pub struct EventRow {
    pub id: i64,
    pub at: i64,
    pub actor: Option<String>,
    pub target: Option<String>,
    pub action: String,
    pub address: String,
}

pub async fn insert<'e>(db: impl Executes<'e>, e: NewEvent<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_events (at, actor_id, target_id, action, address) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(e.at)
    .bind(e.actor_id)
    .bind(e.target_id)
    .bind(e.action)
    .bind(e.address)
    .execute(db)
    .await?;
    Ok(())
}

const SELECT: &str = "SELECT e.id, e.at, a.username AS actor, t.username AS target, e.action, e.address \
     FROM audit_events e LEFT JOIN users a ON a.id = e.actor_id LEFT JOIN users t ON t.id = e.target_id";

/// The newest events about one user first.
pub async fn for_target(
    pool: &Pool,
    target_id: UserId,
    limit: i64,
) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE e.target_id = $1 ORDER BY e.at DESC, e.id DESC LIMIT $2"
    ))
    .bind(target_id)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// The newest organisation-wide events first.
pub async fn organisation(pool: &Pool, limit: i64) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE e.target_id IS NULL ORDER BY e.at DESC, e.id DESC LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(pool)
    .await
}
