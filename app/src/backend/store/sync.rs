//! The `sync_collections` and `sync_states` tables: each folder as one device syncs it, and
//! the states behind the sync keys it was given.

use super::{Connection, Executes, Pool};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct CollectionRow {
    pub id: i64,
    pub device_id: i64,
    pub collection: String,
    pub next_key: i64,
    pub options: String,
    pub last_sync_at: Option<i64>,
    pub item_count: i64,
    pub resends: i64,
    pub skipped: String,
    pub narrow_until: i64,
}

const COLUMNS: &str = "id, device_id, collection, next_key, options, last_sync_at, item_count, \
    resends, skipped, narrow_until";

pub async fn collection<'e>(
    db: impl Executes<'e>,
    device: i64,
    collection: &str,
) -> Result<Option<CollectionRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM sync_collections WHERE device_id = $1 AND collection = $2"
    ))
    .bind(device)
    .bind(collection)
    .fetch_optional(db)
    .await
}

/// The device's collections (the Devices list shows them).
pub async fn collections_of(
    pool: &Pool,
    devices: &[i64],
) -> Result<Vec<CollectionRow>, sqlx::Error> {
    if devices.is_empty() {
        return Ok(Vec::new());
    }
    let list = devices
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM sync_collections WHERE device_id IN ({list}) ORDER BY collection"
    ))
    .fetch_all(pool)
    .await
}

/// Starts the collection afresh (sync key 0): its states are dropped, its options replaced,
/// and the first key is taken. Returns the collection and that key.
pub async fn restart(
    db: &mut Connection,
    device: i64,
    collection: &str,
    options: &str,
) -> Result<(CollectionRow, i64), sqlx::Error> {
    let row: CollectionRow = sqlx::query_as(&format!(
        "INSERT INTO sync_collections (device_id, collection, options) VALUES ($1, $2, $3) \
         ON CONFLICT (device_id, collection) DO UPDATE SET options = excluded.options, \
         resends = 0, narrow_until = 0, \
         skipped = '[]', item_count = 0 RETURNING {COLUMNS}"
    ))
    .bind(device)
    .bind(collection)
    .bind(options)
    .fetch_one(&mut *db)
    .await?;
    sqlx::query("DELETE FROM sync_states WHERE collection_id = $1")
        .bind(row.id)
        .execute(&mut *db)
        .await?;
    // The key handed out now (1 for a new collection; never one handed out before).
    let key = row.next_key;
    sqlx::query("UPDATE sync_collections SET next_key = $2 WHERE id = $1")
        .bind(row.id)
        .bind(key + 1)
        .execute(db)
        .await?;
    Ok((row, key))
}

/// Locks the device's collection for the rest of the transaction (one Sync of a device at a
/// time) and reads it.
pub async fn lock(
    db: &mut Connection,
    device: i64,
    collection: &str,
) -> Result<Option<CollectionRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE sync_collections SET next_key = next_key WHERE device_id = $1 AND collection = $2 \
         RETURNING {COLUMNS}"
    ))
    .bind(device)
    .bind(collection)
    .fetch_optional(db)
    .await
}

/// A state by its key.
pub async fn state<'e>(
    db: impl Executes<'e>,
    collection: i64,
    key: i64,
) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT state FROM sync_states WHERE collection_id = $1 AND sync_key = $2")
            .bind(collection)
            .bind(key)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(s,)| s))
}

/// The newest key handed out for the collection, if any.
pub async fn newest_key<'e>(
    db: impl Executes<'e>,
    collection: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let row: (Option<i64>,) =
        sqlx::query_as("SELECT MAX(sync_key) FROM sync_states WHERE collection_id = $1")
            .bind(collection)
            .fetch_one(db)
            .await?;
    Ok(row.0)
}

/// Stores the state of a new key and forgets every state but it and the one of `kept` (the
/// key the device sent: kept until it sends the new one).
pub async fn put_state(
    db: &mut Connection,
    collection: i64,
    key: i64,
    kept: i64,
    state: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sync_states WHERE collection_id = $1 AND sync_key <> $2")
        .bind(collection)
        .bind(kept)
        .execute(&mut *db)
        .await?;
    sqlx::query(
        "INSERT INTO sync_states (collection_id, sync_key, state, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(collection)
    .bind(key)
    .bind(state)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Takes the collection's next key.
pub async fn take_key(db: &mut Connection, collection: i64) -> Result<i64, sqlx::Error> {
    let (next,): (i64,) = sqlx::query_as(
        "UPDATE sync_collections SET next_key = next_key + 1 WHERE id = $1 RETURNING next_key",
    )
    .bind(collection)
    .fetch_one(db)
    .await?;
    Ok(next - 1)
}

/// After an answer: when, how many items the device has, and the loop-protection fields.
pub struct Progress<'a> {
    pub at: i64,
    pub item_count: i64,
    pub resends: i64,
    pub narrow_until: i64,
    pub skipped: &'a str,
}

pub async fn set_progress<'e>(
    db: impl Executes<'e>,
    collection: i64,
    p: Progress<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE sync_collections SET last_sync_at = $2, item_count = $3, resends = $4, \
         narrow_until = $5, skipped = $6 WHERE id = $1",
    )
    .bind(collection)
    .bind(p.at)
    .bind(p.item_count)
    .bind(p.resends)
    .bind(p.narrow_until)
    .bind(p.skipped)
    .execute(db)
    .await?;
    Ok(())
}

/// Drops the collections of folders the device no longer gets.
pub async fn drop_collections_except<'e>(
    db: impl Executes<'e>,
    device: i64,
    kept: &[&str],
) -> Result<(), sqlx::Error> {
    let list = kept
        .iter()
        .map(|c| format!("'{}'", c.replace('\'', "")))
        .collect::<Vec<_>>()
        .join(",");
    let filter = if kept.is_empty() {
        String::new()
    } else {
        format!(" AND collection NOT IN ({list})")
    };
    sqlx::query(&format!(
        "DELETE FROM sync_collections WHERE device_id = $1{filter}"
    ))
    .bind(device)
    .execute(db)
    .await?;
    Ok(())
}

/// The device's Ping parameters and last Sync request, as cached.
pub async fn set_ping<'e>(
    db: impl Executes<'e>,
    device: i64,
    heartbeat: i64,
    folders: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE devices SET ping_heartbeat = $2, ping_folders = $3 WHERE id = $1")
        .bind(device)
        .bind(heartbeat)
        .bind(folders)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_last_sync_request<'e>(
    db: impl Executes<'e>,
    device: i64,
    request: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE devices SET last_sync_request = $2 WHERE id = $1")
        .bind(device)
        .bind(request)
        .execute(db)
        .await?;
    Ok(())
}
