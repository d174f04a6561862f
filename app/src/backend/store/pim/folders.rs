//! The `folders` and `tombstones` tables, and the change log over the items of a folder.

use super::super::columns::Flag;
use super::super::{Connection, Executes, Pool};
use crate::domain::ids::UserId;
use sqlx::FromRow;

pub use crate::domain::model::folders::FolderKind;

/// The table of the folder's items.
fn items(kind: FolderKind) -> &'static str {
    match kind {
        FolderKind::Contacts => "contacts",
        FolderKind::Calendar => "events",
    }
}

/// The default folder's name as stored (a phone shows its own name for default folders).
fn default_name(kind: FolderKind) -> &'static str {
    match kind {
        FolderKind::Contacts => "Contacts",
        FolderKind::Calendar => "Calendar",
    }
}

#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct FolderRow {
    pub id: i64,
    pub user_id: UserId,
    pub kind: String,
    pub name: String,
    #[sqlx(try_from = "Flag")]
    pub is_default: bool,
    pub last_seq: i64,
    pub forgotten_seq: i64,
}

const COLUMNS: &str = "id, user_id, kind, name, is_default, last_seq, forgotten_seq";

/// The user's default folder of `kind`, made on first use.
pub async fn default_folder(
    pool: &Pool,
    user: UserId,
    kind: FolderKind,
    now: i64,
) -> Result<FolderRow, sqlx::Error> {
    if let Some(f) = find_default(pool, user, kind).await? {
        return Ok(f);
    }
    // Two first uses at once: the partial unique index lets one insert win.
    sqlx::query(
        "INSERT INTO folders (user_id, kind, name, is_default, created_at) \
         VALUES ($1, $2, $3, TRUE, $4) ON CONFLICT (user_id, kind) WHERE is_default DO NOTHING",
    )
    .bind(user)
    .bind(kind.code())
    .bind(default_name(kind))
    .bind(now)
    .execute(pool)
    .await?;
    find_default(pool, user, kind)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
}

async fn find_default(
    pool: &Pool,
    user: UserId,
    kind: FolderKind,
) -> Result<Option<FolderRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM folders WHERE user_id = $1 AND kind = $2 AND is_default"
    ))
    .bind(user)
    .bind(kind.code())
    .fetch_optional(pool)
    .await
}

/// The folder, only if it is `user`'s: every read and write of items goes through this, so
/// that no one reaches another user's folder by its number.
pub async fn owned<'e>(
    db: impl Executes<'e>,
    user: UserId,
    folder: i64,
) -> Result<Option<FolderRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM folders WHERE id = $1 AND user_id = $2"
    ))
    .bind(folder)
    .bind(user)
    .fetch_optional(db)
    .await
}

/// Takes the folder's next sequence number, inside the change's transaction (the row lock
/// orders concurrent writers of one folder on PostgreSQL; SQLite has one writer).
pub async fn next_seq(db: &mut Connection, folder: i64) -> Result<i64, sqlx::Error> {
    let (seq,): (i64,) = sqlx::query_as(
        "UPDATE folders SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq",
    )
    .bind(folder)
    .fetch_one(db)
    .await?;
    Ok(seq)
}

/// Deletes an item of the folder and leaves a tombstone with the deletion's sequence number
/// (attendees and exceptions go with an event); `false` if the folder has no such item.
pub async fn remove_item(
    db: &mut Connection,
    folder: i64,
    kind: FolderKind,
    item: i64,
    at: i64,
) -> Result<bool, sqlx::Error> {
    let uid: Option<(String,)> = sqlx::query_as(&format!(
        "DELETE FROM {} WHERE folder_id = $1 AND id = $2 RETURNING uid",
        items(kind)
    ))
    .bind(folder)
    .bind(item)
    .fetch_optional(&mut *db)
    .await?;
    let Some((uid,)) = uid else {
        return Ok(false);
    };
    let seq = next_seq(db, folder).await?;
    sqlx::query(
        "INSERT INTO tombstones (folder_id, item_id, uid, seq, deleted_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(folder)
    .bind(item)
    .bind(uid)
    .bind(seq)
    .bind(at)
    .execute(db)
    .await?;
    Ok(true)
}

/// The item's latest sequence number, `None` if the folder has no such item.
pub async fn item_seq<'e>(
    db: impl Executes<'e>,
    folder: i64,
    kind: FolderKind,
    item: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as(&format!(
        "SELECT seq FROM {} WHERE folder_id = $1 AND id = $2",
        items(kind)
    ))
    .bind(folder)
    .bind(item)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(s,)| s))
}

/// The folder's latest sequence number (inside a change's transaction: that change's).
pub async fn last_seq<'e>(db: impl Executes<'e>, folder: i64) -> Result<i64, sqlx::Error> {
    let (seq,): (i64,) = sqlx::query_as("SELECT last_seq FROM folders WHERE id = $1")
        .bind(folder)
        .fetch_one(db)
        .await?;
    Ok(seq)
}

/// One entry of the change log: the item's latest change (an add or a change), or its deletion.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct ItemChange {
    pub item_id: i64,
    pub uid: String,
    pub seq: i64,
    #[sqlx(try_from = "Flag")]
    pub deleted: bool,
}

/// What changed in the folder after `since`, oldest first, at most `limit`: each changed item
/// once, with its latest sequence number. `None` when `since` is older than what the folder
/// still remembers of deletions (the device must start afresh).
pub async fn changes_since<'e>(
    db: impl Executes<'e>,
    folder: &FolderRow,
    kind: FolderKind,
    since: i64,
    limit: i64,
) -> Result<Option<Vec<ItemChange>>, sqlx::Error> {
    if since < folder.forgotten_seq {
        return Ok(None);
    }
    let items = items(kind);
    sqlx::query_as(&format!(
        "SELECT id AS item_id, uid, seq, FALSE AS deleted FROM {items} WHERE folder_id = $1 AND seq > $2 \
         UNION ALL \
         SELECT item_id, uid, seq, TRUE AS deleted FROM tombstones WHERE folder_id = $1 AND seq > $2 \
         ORDER BY seq LIMIT $3"
    ))
    .bind(folder.id)
    .bind(since)
    .bind(limit)
    .fetch_all(db)
    .await
    .map(Some)
}

/// Forgets deletions older than `before` (devices that have not synced since then start
/// afresh) and returns how many were forgotten.
pub async fn forget_tombstones(pool: &Pool, before: i64) -> Result<u64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE folders SET forgotten_seq = (SELECT MAX(t.seq) FROM tombstones t \
         WHERE t.folder_id = folders.id AND t.deleted_at < $1) \
         WHERE id IN (SELECT folder_id FROM tombstones WHERE deleted_at < $1)",
    )
    .bind(before)
    .execute(&mut *tx)
    .await?;
    let gone = sqlx::query("DELETE FROM tombstones WHERE deleted_at < $1")
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(gone)
}

/// The user's time zone for the calendar ('' until they choose one).
pub async fn set_user_time_zone(pool: &Pool, user: UserId, zone: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET time_zone = $1 WHERE id = $2")
        .bind(zone)
        .bind(user)
        .execute(pool)
        .await
        .map(|_| ())
}

pub async fn user_time_zone(pool: &Pool, user: UserId) -> Result<String, sqlx::Error> {
    let zone: Option<(String,)> = sqlx::query_as("SELECT time_zone FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(pool)
        .await?;
    Ok(zone.map(|(z,)| z).unwrap_or_default())
}
