//! `copy-db`: every table of one database into a new, empty one (SQLite → PostgreSQL when an
//! installation moves). Sessions are not copied (everyone signs in again); passwords are hashes
//! and sync passwords stay sealed under the key file, so both keep working.

use super::{Database, Kind, Pool};
use sqlx::Row;

/// How a column is read and written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Col {
    Int,
    Text,
    Blob,
    /// 0/1 in SQLite, a boolean in PostgreSQL (`columns::Flag`).
    Flag,
}

use Col::*;

/// Every table, parents before children; every column. A test compares this with the schema
/// the migrations make, so a new column cannot be left behind.
pub const TABLES: &[(&str, &[(&str, Col)])] = &[
    (
        "users",
        &[
            ("id", Int),
            ("username", Text),
            ("email", Text),
            ("first_name", Text),
            ("last_name", Text),
            ("is_admin", Flag),
            ("active", Flag),
            ("language", Text),
            ("password_hash", Text),
            ("session_version", Int),
            ("must_change_password", Flag),
            ("created_at", Int),
            ("updated_at", Int),
            ("two_factor_method", Text),
            ("two_factor_required", Flag),
            ("activesync_enabled", Flag),
            ("sync_password_ciphertext", Blob),
            ("sync_password_nonce", Blob),
            ("sync_password_key_id", Text),
            ("sync_password_set_at", Int),
            ("credential_version", Int),
            ("sync_contacts", Flag),
            ("sync_calendar", Flag),
            ("time_zone", Text),
            ("kept_session", Text),
            ("factor_tries", Int),
            ("factor_tries_since", Int),
        ],
    ),
    (
        "authenticator_apps",
        &[
            ("user_id", Int),
            ("secret_ciphertext", Blob),
            ("secret_nonce", Blob),
            ("secret_key_id", Text),
            ("last_step", Int),
            ("created_at", Int),
        ],
    ),
    (
        "recovery_codes",
        &[
            ("id", Int),
            ("user_id", Int),
            ("key_id", Text),
            ("code_hash", Blob),
            ("created_at", Int),
            ("used_at", Int),
        ],
    ),
    ("settings", &[("key", Text), ("value", Text)]),
    (
        "mail_settings",
        &[
            ("id", Int),
            ("host", Text),
            ("port", Int),
            ("security", Text),
            ("from_address", Text),
            ("from_name", Text),
            ("sign_in", Text),
            ("username", Text),
            ("password_ciphertext", Blob),
            ("password_nonce", Blob),
            ("password_key_id", Text),
            ("tenant_id", Text),
            ("client_id", Text),
            ("client_secret_ciphertext", Blob),
            ("client_secret_nonce", Blob),
            ("client_secret_key_id", Text),
            ("secret_expires_on", Text),
            ("token_url", Text),
            ("expiry_reminded", Int),
            ("updated_at", Int),
        ],
    ),
    (
        "email_codes",
        &[
            ("id", Int),
            ("user_id", Int),
            ("purpose", Text),
            ("code_hash", Blob),
            ("issued_at", Int),
            ("wrong_tries", Int),
            ("used", Flag),
        ],
    ),
    (
        "audit_events",
        &[
            ("id", Int),
            ("at", Int),
            ("actor_id", Int),
            ("target_id", Int),
            ("action", Text),
            ("address", Text),
        ],
    ),
    (
        "devices",
        &[
            ("id", Int),
            ("user_id", Int),
            ("device_id", Text),
            ("device_type", Text),
            ("user_agent", Text),
            ("protocol_version", Text),
            ("model", Text),
            ("friendly_name", Text),
            ("os", Text),
            ("first_seen", Int),
            ("last_seen", Int),
            ("last_address", Text),
            ("blocked", Flag),
            ("old_password", Flag),
            ("last_failure_at", Int),
            ("policy_key", Text),
            ("policy_acknowledged", Flag),
            ("folder_sync_key", Int),
            ("folders_offered", Text),
            ("ping_heartbeat", Int),
            ("ping_folders", Text),
            ("last_sync_request", Text),
        ],
    ),
    (
        "sync_collections",
        &[
            ("id", Int),
            ("device_id", Int),
            ("collection", Text),
            ("next_key", Int),
            ("options", Text),
            ("last_sync_at", Int),
            ("item_count", Int),
            ("resends", Int),
            ("skipped", Text),
            ("narrow_until", Int),
        ],
    ),
    (
        "sync_states",
        &[
            ("collection_id", Int),
            ("sync_key", Int),
            ("state", Text),
            ("created_at", Int),
        ],
    ),
    (
        "throttle",
        &[
            ("scope", Text),
            ("key", Text),
            ("failures", Int),
            ("last_failure_at", Int),
            ("seen", Text),
            ("wrong", Text),
        ],
    ),
    (
        "mail_queue",
        &[
            ("id", Int),
            ("recipient", Text),
            ("ciphertext", Blob),
            ("nonce", Blob),
            ("key_id", Text),
            ("created_at", Int),
            ("attempts", Int),
            ("next_attempt_at", Int),
            ("claimed_by", Text),
            ("claimed_until", Int),
            ("last_error", Text),
        ],
    ),
    (
        "folders",
        &[
            ("id", Int),
            ("user_id", Int),
            ("kind", Text),
            ("name", Text),
            ("is_default", Flag),
            ("last_seq", Int),
            ("forgotten_seq", Int),
            ("created_at", Int),
        ],
    ),
    (
        "contacts",
        &[
            ("id", Int),
            ("folder_id", Int),
            ("uid", Text),
            ("seq", Int),
            ("card", Text),
            ("sort_name", Text),
            ("search_text", Text),
            ("birthday", Text),
            ("anniversary", Text),
            ("picture", Blob),
            ("created_at", Int),
            ("updated_at", Int),
        ],
    ),
    (
        "events",
        &[
            ("id", Int),
            ("folder_id", Int),
            ("uid", Text),
            ("seq", Int),
            ("title", Text),
            ("location", Text),
            ("description", Text),
            ("all_day", Flag),
            ("starts_at", Int),
            ("ends_at", Int),
            ("start_date", Text),
            ("end_date", Text),
            ("time_zone", Text),
            ("rrule", Text),
            ("reminder_minutes", Int),
            ("busy_status", Text),
            ("sensitivity", Text),
            ("range_start", Int),
            ("range_end", Int),
            ("created_at", Int),
            ("updated_at", Int),
            ("categories", Text),
        ],
    ),
    (
        "event_attendees",
        &[
            ("event_id", Int),
            ("position", Int),
            ("name", Text),
            ("email", Text),
            ("response", Text),
        ],
    ),
    (
        "event_exceptions",
        &[
            ("event_id", Int),
            ("original_start", Int),
            ("deleted", Flag),
            ("changes", Text),
        ],
    ),
    (
        "tombstones",
        &[
            ("folder_id", Int),
            ("item_id", Int),
            ("uid", Text),
            ("seq", Int),
            ("deleted_at", Int),
        ],
    ),
    (
        "imports",
        &[
            ("id", Int),
            ("user_id", Int),
            ("kind", Text),
            ("file_name", Text),
            ("total", Int),
            ("done", Int),
            ("added", Int),
            ("updated", Int),
            ("skipped", Text),
            ("started_at", Int),
            ("finished_at", Int),
        ],
    ),
];

#[derive(Debug)]
pub enum CopyError {
    /// The target already holds rows (in this table): copying would mix two installations.
    NotEmpty(&'static str),
    Db(sqlx::Error),
}

impl From<sqlx::Error> for CopyError {
    fn from(e: sqlx::Error) -> Self {
        CopyError::Db(e)
    }
}

/// Rows copied per table, in `TABLES` order.
pub type Copied = Vec<(&'static str, u64)>;

/// Copies every table of `from` into `to` (migrated, empty) in one transaction.
pub async fn copy(from: &Pool, to: &Database) -> Result<Copied, CopyError> {
    for (table, _) in TABLES {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&to.pool)
            .await?;
        if n > 0 {
            return Err(CopyError::NotEmpty(table));
        }
    }
    let mut tx = to.pool.begin().await?;
    let mut copied = Vec::new();
    for (table, cols) in TABLES {
        let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
        let list = names.join(", ");
        let params: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
        let insert = format!(
            "INSERT INTO {table} ({list}) VALUES ({})",
            params.join(", ")
        );
        let rows = sqlx::query(&format!("SELECT {list} FROM {table} ORDER BY 1"))
            .fetch_all(from)
            .await?;
        for row in &rows {
            let mut q = sqlx::query(&insert);
            for (i, (_, col)) in cols.iter().enumerate() {
                q = match col {
                    Int => q.bind(row.try_get::<Option<i64>, _>(i)?),
                    Text => q.bind(row.try_get::<Option<String>, _>(i)?),
                    Blob => q.bind(row.try_get::<Option<Vec<u8>>, _>(i)?),
                    Flag => q.bind(
                        row.try_get::<Option<super::columns::Flag>, _>(i)?
                            .map(bool::from),
                    ),
                };
            }
            q.execute(&mut *tx).await?;
        }
        copied.push((*table, rows.len() as u64));
    }
    if to.kind() == Kind::Postgres {
        // Ids were copied as they were: new rows must be numbered after them.
        for (table, cols) in TABLES {
            if cols.first().is_some_and(|(n, _)| *n == "id") {
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                     (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                ))
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(copied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_column_of_every_table_is_copied() {
        // Read from SQLite's catalogue (both sets of migrations make the same tables).
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("c.db").display());
        let db = crate::backend::store::connect(&url).await.unwrap();
        crate::backend::store::migrate(&db).await.unwrap();
        let tables: Vec<(String,)> = sqlx::query_as(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name NOT IN ('_sqlx_migrations', 'sessions') ORDER BY name",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap();
        let mut known: Vec<&str> = TABLES.iter().map(|(t, _)| *t).collect();
        known.sort();
        let tables: Vec<&str> = tables.iter().map(|(t,)| t.as_str()).collect();
        assert_eq!(tables, known, "copy-db knows every table");
        for (table, cols) in TABLES {
            let schema: Vec<(String,)> =
                sqlx::query_as(&format!("SELECT name FROM pragma_table_info('{table}')"))
                    .fetch_all(&db.pool)
                    .await
                    .unwrap();
            let schema: Vec<&str> = schema.iter().map(|(c,)| c.as_str()).collect();
            let mine: Vec<&str> = cols.iter().map(|(c, _)| *c).collect();
            assert_eq!(schema, mine, "copy-db knows every column of {table}");
        }
    }
}
