//! PostgreSQL's `NOTIFY`: a message on a channel to every connection listening on it.

use super::Pool;

pub async fn notify(pool: &Pool, channel: &str, payload: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(channel)
        .bind(payload)
        .execute(pool)
        .await?;
    Ok(())
}
