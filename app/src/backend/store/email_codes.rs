//! The `email_codes` table.

use super::columns::Flag;
use super::Pool;
use crate::domain::ids::UserId;
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct CodeRow {
    pub id: i64,
    pub code_hash: Vec<u8>,
    pub issued_at: i64,
    pub wrong_tries: i64,
    #[sqlx(try_from = "Flag")]
    pub used: bool,
}

/// When codes were sent to the user after `since`, with their purpose.
pub async fn sent_since(
    pool: &Pool,
    user_id: UserId,
    since: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT issued_at, purpose FROM email_codes WHERE user_id = $1 AND issued_at > $2",
    )
    .bind(user_id)
    .bind(since)
    .fetch_all(pool)
    .await
}

/// Stores a new code and retires every earlier unused one of the same purpose, in one
/// transaction: only the newest code works.
pub async fn replace(
    pool: &Pool,
    user_id: UserId,
    purpose: &str,
    code_hash: &[u8],
    now: i64,
) -> Result<i64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE email_codes SET used = TRUE WHERE user_id = $1 AND purpose = $2 AND used = FALSE",
    )
    .bind(user_id)
    .bind(purpose)
    .execute(&mut *tx)
    .await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO email_codes (user_id, purpose, code_hash, issued_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(user_id)
    .bind(purpose)
    .bind(code_hash)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    // Old codes are of no use to anyone after a day.
    sqlx::query("DELETE FROM email_codes WHERE user_id = $1 AND issued_at < $2")
        .bind(user_id)
        .bind(now - 86_400)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// The newest unused code of this purpose.
pub async fn current(
    pool: &Pool,
    user_id: UserId,
    purpose: &str,
) -> Result<Option<CodeRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, code_hash, issued_at, wrong_tries, used FROM email_codes \
         WHERE user_id = $1 AND purpose = $2 AND used = FALSE ORDER BY id DESC LIMIT 1",
    )
    .bind(user_id)
    .bind(purpose)
    .fetch_optional(pool)
    .await
}

/// Counts a try at code `id`, in one statement and *before* the compare, only while the
/// code is unused, issued after `issued_after` and has fewer than `max_tries`: concurrent
/// guesses cannot all see "fewer than 5". Returns the new count, or `None` when no try is
/// left (used, expired or voided meanwhile).
pub async fn take_try(
    pool: &Pool,
    id: i64,
    issued_after: i64,
    max_tries: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as(
        "UPDATE email_codes SET wrong_tries = wrong_tries + 1 \
         WHERE id = $1 AND used = FALSE AND issued_at > $2 AND wrong_tries < $3 RETURNING wrong_tries",
    )
    .bind(id)
    .bind(issued_after)
    .bind(max_tries)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(n,)| n))
}

/// Marks the code used under the same conditions as a try (the try that found it right is
/// already counted); `false` if another request used it first (single use under races).
pub async fn consume(
    pool: &Pool,
    id: i64,
    issued_after: i64,
    max_tries: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE email_codes SET used = TRUE \
         WHERE id = $1 AND used = FALSE AND issued_at > $2 AND wrong_tries <= $3",
    )
    .bind(id)
    .bind(issued_after)
    .bind(max_tries)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
