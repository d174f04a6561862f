//! The authenticator app's sealed secret (`authenticator_apps`), recovery codes
//! (`recovery_codes`), and the count of wrong app and recovery codes (`users.factor_tries`).

use super::columns::{keyed_sealed, OwnedSealedRow, Sealed};
use super::{Executes, Pool};
use crate::domain::ids::UserId;

/// A stored app secret: ciphertext, nonce, key id, newest step accepted.
type AppRow = (Vec<u8>, Vec<u8>, String, Option<i64>);

/// The user's app secret, sealed, and the newest step accepted.
pub async fn app_secret(
    pool: &Pool,
    user_id: UserId,
) -> Result<Option<(Sealed, Option<i64>)>, sqlx::Error> {
    let row: Option<AppRow> = sqlx::query_as(
        "SELECT secret_ciphertext, secret_nonce, secret_key_id, last_step \
         FROM authenticator_apps WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(ciphertext, nonce, key_id, last)| {
        (
            Sealed {
                ciphertext,
                nonce,
                key_id,
            },
            last,
        )
    }))
}

/// Stores the app secret (replacing any), with the step its enrolment code was accepted for.
pub async fn set_app_secret<'e>(
    db: impl Executes<'e>,
    user_id: UserId,
    sealed: &Sealed,
    step: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO authenticator_apps \
         (user_id, secret_ciphertext, secret_nonce, secret_key_id, last_step, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (user_id) DO UPDATE SET secret_ciphertext = excluded.secret_ciphertext, \
         secret_nonce = excluded.secret_nonce, secret_key_id = excluded.secret_key_id, \
         last_step = excluded.last_step, created_at = excluded.created_at",
    )
    .bind(user_id)
    .bind(sealed.ciphertext.as_slice())
    .bind(sealed.nonce.as_slice())
    .bind(sealed.key_id.as_str())
    .bind(step)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn drop_app_secret<'e>(
    db: impl Executes<'e>,
    user_id: UserId,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM authenticator_apps WHERE user_id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Records `step` as accepted, only if it is newer than every step accepted before: `false`
/// when another request used it (or a newer one) first, so a code works once under races.
pub async fn take_step(pool: &Pool, user_id: UserId, step: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE authenticator_apps SET last_step = $1 \
         WHERE user_id = $2 AND (last_step IS NULL OR last_step < $3)",
    )
    .bind(step)
    .bind(user_id)
    .bind(step)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Counts a try before its code is compared. A count older than the window starts again at
/// one. `None`: `max` tries were already counted in the window (nothing counted).
pub async fn take_try(
    pool: &Pool,
    user_id: UserId,
    now: i64,
    window_secs: i64,
    max: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let window_start = now - window_secs;
    let row: Option<(i64,)> = sqlx::query_as(
        "UPDATE users SET \
         factor_tries = CASE WHEN factor_tries_since <= $1 THEN 1 ELSE factor_tries + 1 END, \
         factor_tries_since = CASE WHEN factor_tries_since <= $2 THEN $3 ELSE factor_tries_since END \
         WHERE id = $4 AND (factor_tries_since <= $5 OR factor_tries < $6) RETURNING factor_tries",
    )
    .bind(window_start)
    .bind(window_start)
    .bind(now)
    .bind(user_id)
    .bind(window_start)
    .bind(max)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(n,)| n))
}

/// The tries counted and since when.
pub async fn tries(pool: &Pool, user_id: UserId) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as("SELECT factor_tries, factor_tries_since FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(pool)
        .await
}

/// A try that was right and proves nothing about the sign-in (a new app's first code): it
/// does not count.
pub async fn give_back_try(pool: &Pool, user_id: UserId) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET factor_tries = factor_tries - 1 WHERE id = $1 AND factor_tries > 0",
    )
    .bind(user_id)
    .execute(pool)
    .await?;
    Ok(())
}

/// A right code: the count starts again.
pub async fn clear_tries(pool: &Pool, user_id: UserId) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET factor_tries = 0 WHERE id = $1")
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Replaces the user's recovery codes with a new set (the old ones stop working).
/// `key_id`: the key the HMACs are made with.
pub async fn replace_recovery_codes(
    db: &mut super::Connection,
    user_id: UserId,
    (key_id, hashes): (&str, &[Vec<u8>]),
    now: i64,
) -> Result<(), sqlx::Error> {
    drop_recovery_codes(&mut *db, user_id).await?;
    for hash in hashes {
        sqlx::query(
            "INSERT INTO recovery_codes (user_id, key_id, code_hash, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(user_id)
        .bind(key_id)
        .bind(hash.as_slice())
        .bind(now)
        .execute(&mut *db)
        .await?;
    }
    Ok(())
}

pub async fn drop_recovery_codes<'e>(
    db: impl Executes<'e>,
    user_id: UserId,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Uses up the unused code with this hash: `false` if there is none (wrong, or used already,
/// also by a request a moment earlier).
pub async fn use_recovery_code(
    pool: &Pool,
    user_id: UserId,
    hash: &[u8],
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE recovery_codes SET used_at = $1 \
         WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(hash)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() >= 1)
}

/// How many unused recovery codes the user has (also inside a caller's transaction).
pub async fn recovery_codes_left<'e>(
    db: impl Executes<'e>,
    user_id: UserId,
) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(db)
    .await?;
    Ok(n)
}

/// The owners of unused recovery codes made under another key than `current`.
pub async fn recovery_codes_not_under(
    pool: &Pool,
    current: &str,
) -> Result<Vec<UserId>, sqlx::Error> {
    let rows: Vec<(UserId,)> = sqlx::query_as(
        "SELECT DISTINCT user_id FROM recovery_codes \
         WHERE used_at IS NULL AND key_id <> $1 ORDER BY user_id",
    )
    .bind(current)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Resets the count of wrong codes (2FA turned off or reset), in the caller's transaction.
pub async fn reset_tries<'e>(db: impl Executes<'e>, user_id: UserId) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET factor_tries = 0 WHERE id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Every stored app secret with its owner (for re-encryption under a new key).
pub async fn sealed_app_secrets(pool: &Pool) -> Result<Vec<(UserId, Sealed)>, sqlx::Error> {
    let rows: Vec<OwnedSealedRow> = sqlx::query_as(
        "SELECT user_id, secret_ciphertext, secret_nonce, secret_key_id \
         FROM authenticator_apps ORDER BY user_id",
    )
    .fetch_all(pool)
    .await?;
    Ok(keyed_sealed(rows))
}

/// Replaces `old` with `new` unless the owner changed it meanwhile (`false` then).
pub async fn reseal_app_secret(
    pool: &Pool,
    owner: UserId,
    old: &Sealed,
    new: &Sealed,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE authenticator_apps SET secret_ciphertext = $1, secret_nonce = $2, \
         secret_key_id = $3 WHERE user_id = $4 AND secret_nonce = $5",
    )
    .bind(new.ciphertext.as_slice())
    .bind(new.nonce.as_slice())
    .bind(new.key_id.as_str())
    .bind(owner)
    .bind(old.nonce.as_slice())
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
