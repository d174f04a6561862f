//! The `devices` table: the phones the ActiveSync door has seen, per user.

use super::columns::Flag;
use super::{Connection, Executes, Pool};
use crate::domain::ids::UserId;
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct DeviceRow {
    pub id: i64,
    pub user_id: UserId,
    pub device_id: String,
    pub device_type: String,
    pub user_agent: String,
    pub protocol_version: String,
    pub model: String,
    pub friendly_name: String,
    pub os: String,
    pub first_seen: i64,
    pub last_seen: i64,
    pub last_address: String,
    #[sqlx(try_from = "Flag")]
    pub blocked: bool,
    #[sqlx(try_from = "Flag")]
    pub old_password: bool,
    pub policy_key: Option<String>,
    #[sqlx(try_from = "Flag")]
    pub policy_acknowledged: bool,
    pub folder_sync_key: i64,
    /// The folders the device was last given by FolderSync (comma-separated codes).
    pub folders_offered: String,
    /// What its last Sync named (an empty Sync repeats it), as the door wrote it.
    pub last_sync_request: String,
    /// Its last Ping's heartbeat and folders (an empty Ping reuses them).
    pub ping_heartbeat: Option<i64>,
    pub ping_folders: String,
}

const COLUMNS: &str = "id, user_id, device_id, device_type, user_agent, protocol_version, model, \
    friendly_name, os, first_seen, last_seen, last_address, blocked, old_password, policy_key, \
    policy_acknowledged, folder_sync_key, folders_offered, last_sync_request, \
    ping_heartbeat, ping_folders";

/// What one authenticated request tells about its device.
pub struct Sighting<'a> {
    pub user_id: UserId,
    pub device_id: &'a str,
    pub device_type: &'a str,
    pub user_agent: &'a str,
    pub protocol_version: &'a str,
    pub address: &'a str,
    pub at: i64,
}

/// Records a successful request: creates the device or updates when and from where it was last
/// seen (an empty user agent or version keeps the known one). It works again, so it no longer
/// "uses an old password".
pub async fn seen(pool: &Pool, s: Sighting<'_>) -> Result<DeviceRow, sqlx::Error> {
    sqlx::query_as(&format!(
        "INSERT INTO devices (user_id, device_id, device_type, user_agent, protocol_version, \
         first_seen, last_seen, last_address) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (user_id, device_id) DO UPDATE SET device_type = excluded.device_type, \
         user_agent = CASE WHEN excluded.user_agent = '' THEN devices.user_agent ELSE excluded.user_agent END, \
         protocol_version = CASE WHEN excluded.protocol_version = '' THEN devices.protocol_version \
         ELSE excluded.protocol_version END, last_seen = excluded.last_seen, \
         last_address = excluded.last_address, old_password = FALSE RETURNING {COLUMNS}"
    ))
    .bind(s.user_id)
    .bind(s.device_id)
    .bind(s.device_type)
    .bind(s.user_agent)
    .bind(s.protocol_version)
    .bind(s.at)
    .bind(s.at)
    .bind(s.address)
    .fetch_one(pool)
    .await
}

/// Devices kept per user: the newest, blocked ones first (a block must not be pushed out).
pub const MAX_PER_USER: i64 = 100;

/// Drops the user's devices beyond `MAX_PER_USER`, oldest unblocked first.
pub async fn prune<'e>(db: impl Executes<'e>, user_id: UserId) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM devices WHERE user_id = $1 AND id NOT IN (SELECT id FROM devices \
         WHERE user_id = $2 ORDER BY blocked DESC, last_seen DESC, id DESC LIMIT $3)",
    )
    .bind(user_id)
    .bind(user_id)
    .bind(MAX_PER_USER)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Removes one device of `user_id` (its sync state with it); `false` if there is none.
pub async fn delete<'e>(
    db: impl Executes<'e>,
    user_id: UserId,
    id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM devices WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A known device of the user presented a password that does not work (any more).
pub async fn failed(
    pool: &Pool,
    user_id: UserId,
    device_id: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE devices SET old_password = TRUE, last_failure_at = $1 WHERE user_id = $2 AND device_id = $3",
    )
    .bind(at)
    .bind(user_id)
    .bind(device_id)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn find(
    pool: &Pool,
    user_id: UserId,
    device_id: &str,
) -> Result<Option<DeviceRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM devices WHERE user_id = $1 AND device_id = $2"
    ))
    .bind(user_id)
    .bind(device_id)
    .fetch_optional(pool)
    .await
}

/// The user's devices, the most recently seen first.
pub async fn for_user(pool: &Pool, user_id: UserId) -> Result<Vec<DeviceRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM devices WHERE user_id = $1 ORDER BY last_seen DESC, id DESC"
    ))
    .bind(user_id)
    .fetch_all(pool)
    .await
}

/// Blocks or unblocks one device of `user_id`; also bumps the user's credential version so
/// the door's cache forgets what it knew. `false` if there is no such device.
pub async fn set_blocked(
    tx: &mut Connection,
    user_id: UserId,
    id: i64,
    blocked: bool,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE devices SET blocked = $1 WHERE id = $2 AND user_id = $3")
        .bind(blocked)
        .bind(id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE users SET credential_version = credential_version + 1 WHERE id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// What the device says about itself (Settings / Provision DeviceInformation).
pub async fn set_information<'e>(
    db: impl Executes<'e>,
    id: i64,
    model: &str,
    friendly_name: &str,
    os: &str,
    user_agent: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE devices SET model = $1, friendly_name = $2, os = $3, \
         user_agent = CASE WHEN $4 = '' THEN user_agent ELSE $5 END WHERE id = $6",
    )
    .bind(model)
    .bind(friendly_name)
    .bind(os)
    .bind(user_agent)
    .bind(user_agent)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_policy<'e>(
    db: impl Executes<'e>,
    id: i64,
    key: &str,
    acknowledged: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE devices SET policy_key = $1, policy_acknowledged = $2 WHERE id = $3")
        .bind(key)
        .bind(acknowledged)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_folder_sync_key<'e>(
    db: impl Executes<'e>,
    id: i64,
    key: i64,
    offered: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE devices SET folder_sync_key = $1, folders_offered = $3 WHERE id = $2")
        .bind(key)
        .bind(id)
        .bind(offered)
        .execute(db)
        .await?;
    Ok(())
}
