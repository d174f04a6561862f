//! The `settings` table: organisation-wide switches as key/value text.

use super::{Executes, Pool};

/// "Require two-factor authentication for all users" (`'1'` on).
pub const REQUIRE_TWO_FACTOR: &str = "require_two_factor";
/// The organisation's "ActiveSync service" (on unless set to `'0'`).
pub const ACTIVESYNC_SERVICE: &str = "activesync_service";
/// "Two-factor method: authenticator app only" (`'1'` on; otherwise any method).
pub const TWO_FACTOR_APP_ONLY: &str = "two_factor_app_only";

pub async fn flag(pool: &Pool, key: &str) -> Result<bool, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(pool)
        .await?;
    Ok(row.is_some_and(|(v,)| v == "1"))
}

/// A flag that is on unless explicitly turned off.
pub async fn flag_default_on(pool: &Pool, key: &str) -> Result<bool, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(pool)
        .await?;
    Ok(row.is_none_or(|(v,)| v != "0"))
}

pub async fn set_flag<'e>(db: impl Executes<'e>, key: &str, on: bool) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(if on { "1" } else { "0" })
    .execute(db)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_flag_is_off_until_set_and_can_be_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::backend::store::temporary(dir.path()).await;
        let pool = db.pool;
        assert!(!flag(&pool, REQUIRE_TWO_FACTOR).await.unwrap());
        set_flag(&pool, REQUIRE_TWO_FACTOR, true).await.unwrap();
        assert!(flag(&pool, REQUIRE_TWO_FACTOR).await.unwrap());
        set_flag(&pool, REQUIRE_TWO_FACTOR, false).await.unwrap();
        assert!(!flag(&pool, REQUIRE_TWO_FACTOR).await.unwrap());
    }
}
