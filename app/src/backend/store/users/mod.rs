//! The `users` table.

use super::columns::PasswordHash;
use super::columns::{keyed_sealed, OwnedSealedRow, Sealed};
use super::{Executes, Pool};
use crate::domain::ids::UserId;
use crate::i18n::Lang;

mod record;

use super::like_words;
use crate::domain::model::UserSort;
use record::COLUMNS;
pub use record::{LangColumn, UserRecord};

pub struct Insert<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub is_admin: bool,
    pub password_hash: &'a PasswordHash,
    pub must_change_password: bool,
    pub now: i64,
}

pub async fn insert<'e>(db: impl Executes<'e>, u: Insert<'_>) -> Result<UserId, sqlx::Error> {
    let row: (UserId,) = sqlx::query_as(
        "INSERT INTO users (username, email, first_name, last_name, is_admin, active, \
         password_hash, must_change_password, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, TRUE, $6, $7, $8, $9) RETURNING id",
    )
    .bind(u.username)
    .bind(u.email)
    .bind(u.first_name)
    .bind(u.last_name)
    .bind(u.is_admin)
    .bind(u.password_hash.as_stored())
    .bind(u.must_change_password)
    .bind(u.now)
    .bind(u.now)
    .fetch_one(db)
    .await?;
    Ok(row.0)
}

pub async fn by_id(pool: &Pool, id: UserId) -> Result<Option<UserRecord>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// Active admins with an email address (whom organisation warnings are mailed to).
pub async fn admins_with_email(pool: &Pool) -> Result<Vec<UserRecord>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM users WHERE is_admin AND active AND email <> '' ORDER BY id"
    ))
    .fetch_all(pool)
    .await
}

/// Usernames are stored lowercased; the lookup lowercases too.
pub async fn by_username(pool: &Pool, username: &str) -> Result<Option<UserRecord>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE username = $1"))
        .bind(username.trim().to_lowercase())
        .fetch_optional(pool)
        .await
}

/// The one user with this email address (case-insensitive); `None` if none or several.
pub async fn by_unique_email(pool: &Pool, email: &str) -> Result<Option<UserRecord>, sqlx::Error> {
    let mut found: Vec<UserRecord> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM users WHERE email <> '' AND lower(email) = lower($1) LIMIT 2"
    ))
    .bind(email.trim())
    .fetch_all(pool)
    .await?;
    Ok(if found.len() == 1 { found.pop() } else { None })
}

/// Whether another user than `me` has this address.
pub async fn email_used_by_other(
    pool: &Pool,
    email: &str,
    me: UserId,
) -> Result<bool, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM users WHERE email <> '' AND lower(email) = lower($1) AND id <> $2",
    )
    .bind(email.trim())
    .bind(me)
    .fetch_one(pool)
    .await?;
    Ok(n > 0)
}

/// Every user's credential version (the door polls them to notice other processes' changes).
pub async fn credential_versions(pool: &Pool) -> Result<Vec<(UserId, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT id, credential_version FROM users")
        .fetch_all(pool)
        .await
}

/// The organisation settings as one string, to notice a change.
pub async fn settings_fingerprint<'e>(db: impl Executes<'e>) -> Result<String, sqlx::Error> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT key, value FROM settings ORDER BY key")
            .fetch_all(db)
            .await?;
    Ok(rows
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(","))
}

pub async fn all(pool: &Pool) -> Result<Vec<UserRecord>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users ORDER BY username"))
        .fetch_all(pool)
        .await
}

/// A user in the admin's list, with the newest door sighting of their devices.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListedUser {
    #[sqlx(flatten)]
    pub user: UserRecord,
    pub last_seen: Option<i64>,
    /// The device of that sighting: its model (else its type) and id.
    pub last_device: Option<String>,
}

/// A page of the admin's list: each word of `search` found in the username, name or email,
/// in `sort` order, with the number of matches in all. Searched and paged by the database, so
/// 10,000 users cost one page of rows.
pub async fn page(
    pool: &Pool,
    search: &str,
    sort: UserSort,
    offset: i64,
    limit: i64,
) -> Result<(Vec<ListedUser>, i64), sqlx::Error> {
    let words = like_words(search);
    let mut filter = String::from("TRUE");
    for i in 0..words.len() {
        filter.push_str(&format!(
            " AND lower(username || ' ' || first_name || ' ' || last_name || ' ' || email) \
             LIKE ${} ESCAPE '\\'",
            i + 1
        ));
    }
    let order = match sort {
        UserSort::Username => "username",
        UserSort::Name => "lower(last_name), lower(first_name), username",
        UserSort::Email => "lower(email), username",
        UserSort::LastSeen => "last_seen DESC NULLS LAST, username",
    };
    let n = words.len();
    let sql = format!(
        "SELECT {COLUMNS}, \
         (SELECT MAX(d.last_seen) FROM devices d WHERE d.user_id = users.id) AS last_seen, \
         (SELECT CASE WHEN d.model <> '' THEN d.model ELSE d.device_type END || ' · ' || d.device_id \
          FROM devices d WHERE d.user_id = users.id ORDER BY d.last_seen DESC LIMIT 1) AS last_device \
         FROM users WHERE {filter} ORDER BY {order} LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let mut q = sqlx::query_as(&sql);
    for w in &words {
        q = q.bind(w.clone());
    }
    let rows = q.bind(limit).bind(offset).fetch_all(pool).await?;
    let count_sql = format!("SELECT COUNT(*) FROM users WHERE {filter}");
    let mut q = sqlx::query_as(&count_sql);
    for w in &words {
        q = q.bind(w.clone());
    }
    let (total,): (i64,) = q.fetch_one(pool).await?;
    Ok((rows, total))
}

pub async fn count(pool: &Pool) -> Result<i64, sqlx::Error> {
    let row: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await?;
    Ok(row.0)
}

pub async fn set_language<'e>(
    db: impl Executes<'e>,
    id: UserId,
    lang: Option<Lang>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET language = $1 WHERE id = $2")
        .bind(lang.map(Lang::code))
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// "Sync with my devices" for one of the user's folders (`folder`: 'contacts' or 'calendar').
pub async fn set_folder_sync<'e>(
    db: impl Executes<'e>,
    id: UserId,
    folder: &str,
    on: bool,
) -> Result<bool, sqlx::Error> {
    let column = match folder {
        "contacts" => "sync_contacts",
        "calendar" => "sync_calendar",
        _ => return Ok(false),
    };
    let done = sqlx::query(&format!("UPDATE users SET {column} = $1 WHERE id = $2"))
        .bind(on)
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets a new login password and bumps the session version, which ends every session of
/// the user but `kept` (the session that made its own change; `None` for an admin's).
/// Returns the new version.
pub async fn set_password<'e>(
    db: impl Executes<'e>,
    id: UserId,
    hash: &PasswordHash,
    must_change: bool,
    kept: Option<&str>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let row: (i64,) = sqlx::query_as(
        "UPDATE users SET password_hash = $1, must_change_password = $2, \
         session_version = session_version + 1, kept_session = $3, \
         credential_version = credential_version + 1, updated_at = $4 WHERE id = $5 \
         RETURNING session_version",
    )
    .bind(hash.as_stored())
    .bind(must_change)
    .bind(kept)
    .bind(now)
    .bind(id)
    .fetch_one(db)
    .await?;
    Ok(row.0)
}

/// Turning an account off also ends its sessions (version bump).
pub async fn set_active<'e>(
    db: impl Executes<'e>,
    id: UserId,
    active: bool,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET active = $1, session_version = session_version + (CASE WHEN $2 THEN 0 ELSE 1 END), \
         credential_version = credential_version + 1, updated_at = $3 WHERE id = $4",
    )
    .bind(active)
    .bind(active)
    .bind(now)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets the second factor (`Some("email")`, `Some("app")`, or `None` for off) where it is
/// still `from`; a change ends the user's sessions but `kept` (version bump), as a password
/// change does. Returns the new version, or `None` when it was no longer `from` (two requests
/// at once: only the first changes it, and is audited). The caller bumps the credential
/// epochs once committed.
pub async fn set_two_factor<'e>(
    db: impl Executes<'e>,
    id: UserId,
    (from, method): (Option<&str>, Option<&str>),
    kept: Option<&str>,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as(
        "UPDATE users SET two_factor_method = $1, session_version = session_version + 1, \
         kept_session = $2, credential_version = credential_version + 1, updated_at = $3 \
         WHERE id = $4 AND COALESCE(two_factor_method, '') = $5 RETURNING session_version",
    )
    .bind(method)
    .bind(kept)
    .bind(now)
    .bind(id)
    .bind(from.unwrap_or(""))
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(v,)| v))
}

/// The admin's "require two-factor authentication" for one user.
pub async fn set_two_factor_required<'e>(
    db: impl Executes<'e>,
    id: UserId,
    required: bool,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE users SET two_factor_required = $1, updated_at = $2 WHERE id = $3")
            .bind(required)
            .bind(now)
            .bind(id)
            .execute(db)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// The address codes and notices go to (empty: none). Where security mail goes is part of
/// the account's keys: the user's sessions end but `kept` (version bump). Returns the new
/// version.
pub async fn set_email<'e>(
    db: impl Executes<'e>,
    id: UserId,
    email: &str,
    kept: Option<&str>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let (v,): (i64,) = sqlx::query_as(
        "UPDATE users SET email = $1, session_version = session_version + 1, kept_session = $2, \
         updated_at = $3 WHERE id = $4 RETURNING session_version",
    )
    .bind(email)
    .bind(kept)
    .bind(now)
    .bind(id)
    .fetch_one(db)
    .await?;
    Ok(v)
}

/// The admin's "Enable ActiveSync". `false` if there is no such user.
pub async fn set_activesync_enabled<'e>(
    db: impl Executes<'e>,
    id: UserId,
    enabled: bool,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET activesync_enabled = $1, credential_version = credential_version + 1, \
         updated_at = $2 WHERE id = $3",
    )
    .bind(enabled)
    .bind(now)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores (`Some`) or removes (`None`) the sealed sync password. `false` if no such user.
/// The caller bumps the credential epochs once committed.
pub async fn set_sync_password<'e>(
    db: impl Executes<'e>,
    id: UserId,
    sealed: Option<&Sealed>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET sync_password_ciphertext = $1, sync_password_nonce = $2, \
         sync_password_key_id = $3, sync_password_set_at = $4, \
         credential_version = credential_version + 1, updated_at = $5 WHERE id = $6",
    )
    .bind(sealed.map(|s| s.ciphertext.as_slice()))
    .bind(sealed.map(|s| s.nonce.as_slice()))
    .bind(sealed.map(|s| s.key_id.as_str()))
    .bind(sealed.map(|_| now))
    .bind(now)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Every stored sync password, sealed, with its owner (for re-encryption under a new key).
pub async fn sealed_sync_passwords(pool: &Pool) -> Result<Vec<(UserId, Sealed)>, sqlx::Error> {
    let rows: Vec<OwnedSealedRow> = sqlx::query_as(
        "SELECT id, sync_password_ciphertext, sync_password_nonce, sync_password_key_id \
         FROM users WHERE sync_password_ciphertext IS NOT NULL ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    Ok(keyed_sealed(rows))
}

/// Replaces a sealed sync password by the same secret under another key, unless it changed
/// since `old` was read (then the newer one stays). Not a password change: the set date and
/// the credential version stay. `false` if it had changed.
pub async fn reseal_sync_password<'e>(
    db: impl Executes<'e>,
    id: UserId,
    old: &Sealed,
    new: &Sealed,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET sync_password_ciphertext = $1, sync_password_nonce = $2, \
         sync_password_key_id = $3 WHERE id = $4 AND sync_password_ciphertext = $5 \
         AND sync_password_nonce = $6",
    )
    .bind(new.ciphertext.as_slice())
    .bind(new.nonce.as_slice())
    .bind(new.key_id.as_str())
    .bind(id)
    .bind(old.ciphertext.as_slice())
    .bind(old.nonce.as_slice())
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The organisation's address book (a phone's GAL search): active users whose name, username
/// or email starts with `prefix` (case-folded), as (first name, last name, email), by name.
pub async fn directory(
    pool: &Pool,
    prefix: &str,
    limit: i64,
) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    let escaped = prefix
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let pattern = format!("{escaped}%");
    sqlx::query_as(
        "SELECT first_name, last_name, email FROM users WHERE active AND email <> '' AND ( \
         LOWER(first_name) LIKE $1 ESCAPE '\\' OR LOWER(last_name) LIKE $1 ESCAPE '\\' OR \
         LOWER(username) LIKE $1 ESCAPE '\\' OR LOWER(email) LIKE $1 ESCAPE '\\' OR \
         LOWER(first_name || ' ' || last_name) LIKE $1 ESCAPE '\\') \
         ORDER BY LOWER(last_name), LOWER(first_name), id LIMIT $2",
    )
    .bind(pattern)
    .bind(limit)
    .fetch_all(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::identity::passwords::hash_now;

    async fn pool() -> (tempfile::TempDir, Pool) {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::backend::store::temporary(dir.path()).await;
        (dir, db.pool)
    }

    fn new_user<'a>(name: &'a str, hash: &'a PasswordHash) -> Insert<'a> {
        Insert {
            username: name,
            email: "a@b.it",
            first_name: "Anna",
            last_name: "Bianchi",
            is_admin: false,
            password_hash: hash,
            must_change_password: false,
            now: 1000,
        }
    }

    #[tokio::test]
    async fn insert_and_find_case_insensitively() {
        let (_d, pool) = pool().await;
        let h = hash_now("password123").unwrap();
        let id = insert(&pool, new_user("anna", &h)).await.unwrap();
        let u = by_username(&pool, " ANNA ").await.unwrap().unwrap();
        assert_eq!(u.id, id);
        assert!(u.active);
        assert_eq!(u.first_name, "Anna");
        assert!(by_username(&pool, "nobody").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn duplicate_username_is_refused_by_the_database() {
        let (_d, pool) = pool().await;
        let h = hash_now("password123").unwrap();
        insert(&pool, new_user("anna", &h)).await.unwrap();
        let err = insert(&pool, new_user("anna", &h)).await.unwrap_err();
        assert!(err.as_database_error().unwrap().is_unique_violation());
    }

    #[tokio::test]
    async fn deactivation_and_password_change_bump_the_session_version() {
        let (_d, pool) = pool().await;
        let h = hash_now("password123").unwrap();
        let id = insert(&pool, new_user("anna", &h)).await.unwrap();
        let v0 = by_id(&pool, id).await.unwrap().unwrap().session_version;
        assert!(set_active(&pool, id, false, 2000).await.unwrap());
        let v1 = by_id(&pool, id).await.unwrap().unwrap().session_version;
        assert_eq!(v1, v0 + 1);
        set_active(&pool, id, true, 2001).await.unwrap();
        assert_eq!(by_id(&pool, id).await.unwrap().unwrap().session_version, v1);
        let v2 = set_password(&pool, id, &h, false, None, 2002)
            .await
            .unwrap();
        assert_eq!(v2, v1 + 1);
        assert!(!set_active(&pool, UserId(999), false, 1).await.unwrap());
    }

    #[tokio::test]
    async fn language_round_trips_and_clears() {
        let (_d, pool) = pool().await;
        let h = hash_now("password123").unwrap();
        let id = insert(&pool, new_user("anna", &h)).await.unwrap();
        set_language(&pool, id, Some(Lang::It)).await.unwrap();
        assert_eq!(
            *by_id(&pool, id).await.unwrap().unwrap().language,
            Some(Lang::It)
        );
        set_language(&pool, id, None).await.unwrap();
        assert_eq!(*by_id(&pool, id).await.unwrap().unwrap().language, None);
    }
}
