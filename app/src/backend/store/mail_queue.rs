//! The `mail_queue` table: mail until the mail server accepted it.

use super::columns::{keyed_sealed, KeyedSealedRow, Sealed};
use super::Pool;
use crate::domain::ids::UserId;
use sqlx::FromRow;

/// Whose the queue's sealed messages are, bound into their seal: the organisation's, like
/// the mail settings (the value is in every queued message's seal: it cannot change).
pub const OWNER: UserId = super::mail_settings::ORGANISATION;

#[derive(Debug, Clone, FromRow)]
pub struct Queued {
    pub id: i64,
    pub recipient: String,
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
    pub key_id: String,
    pub attempts: i64,
}

impl Queued {
    pub fn sealed(&self) -> Sealed {
        Sealed {
            ciphertext: self.ciphertext.clone(),
            nonce: self.nonce.clone(),
            key_id: self.key_id.clone(),
        }
    }
}

pub async fn enqueue(
    pool: &Pool,
    recipient: &str,
    sealed: &Sealed,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO mail_queue (recipient, ciphertext, nonce, key_id, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(recipient)
    .bind(sealed.ciphertext.as_slice())
    .bind(sealed.nonce.as_slice())
    .bind(sealed.key_id.as_str())
    .bind(now)
    .bind(now)
    .fetch_one(pool)
    .await?;
    Ok(id)
}

/// Takes the oldest due message for `me` until `until`. Two instances asking at once: the
/// second's update finds the row claimed and takes nothing (the claim is re-checked on the
/// row itself), so a message goes out once.
pub async fn claim_next(
    pool: &Pool,
    me: &str,
    now: i64,
    until: i64,
) -> Result<Option<Queued>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE mail_queue SET claimed_by = $1, claimed_until = $2 \
         WHERE id = (SELECT id FROM mail_queue WHERE next_attempt_at <= $3 \
                     AND (claimed_until IS NULL OR claimed_until < $4) ORDER BY id LIMIT 1) \
         AND (claimed_until IS NULL OR claimed_until < $5) \
         RETURNING id, recipient, ciphertext, nonce, key_id, attempts",
    )
    .bind(me)
    .bind(until)
    .bind(now)
    .bind(now)
    .bind(now)
    .fetch_optional(pool)
    .await
}

/// Accepted by the mail server: the message is gone from the database.
pub async fn delivered(pool: &Pool, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM mail_queue WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Not accepted: counted, and due again at `next` (released for any instance).
pub async fn failed(pool: &Pool, id: i64, next: i64, error: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE mail_queue SET attempts = attempts + 1, next_attempt_at = $1, \
         claimed_by = NULL, claimed_until = NULL, last_error = $2 WHERE id = $3",
    )
    .bind(next)
    .bind(error)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Attempts so far and the last error; `None` once delivered (or dropped).
pub async fn outcome(pool: &Pool, id: i64) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as("SELECT attempts, last_error FROM mail_queue WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// Makes every waiting message due now (the mail settings changed: the next try may work).
pub async fn due_now(pool: &Pool, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("UPDATE mail_queue SET next_attempt_at = $1 WHERE next_attempt_at > $1")
        .bind(now)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

/// Claims left by a process that is gone (SQLite: the only instance, just started).
pub async fn release_all(pool: &Pool) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE mail_queue SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by IS NOT NULL",
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// Every waiting message's sealed content, by id (`rotate-key`).
pub async fn sealed_all(pool: &Pool) -> Result<Vec<(i64, Sealed)>, sqlx::Error> {
    let rows: Vec<KeyedSealedRow<i64>> =
        sqlx::query_as("SELECT id, ciphertext, nonce, key_id FROM mail_queue ORDER BY id")
            .fetch_all(pool)
            .await?;
    Ok(keyed_sealed(rows))
}

/// Replaces a message's sealed content by the same under another key, unless it was
/// delivered (or dropped) since `old` was read: `false` then.
pub async fn reseal(pool: &Pool, id: i64, old: &Sealed, new: &Sealed) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE mail_queue SET ciphertext = $1, nonce = $2, key_id = $3 \
         WHERE id = $4 AND nonce = $5",
    )
    .bind(new.ciphertext.as_slice())
    .bind(new.nonce.as_slice())
    .bind(new.key_id.as_str())
    .bind(id)
    .bind(old.nonce.as_slice())
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Messages still waiting (the admin's view, the tests).
pub async fn waiting(pool: &Pool) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM mail_queue")
        .fetch_one(pool)
        .await?;
    Ok(n)
}
