//! The Devices list (what the ActiveSync door has seen per user) and the admin's block.

use crate::backend::audit::{self, Origin};
use crate::backend::changes::{self, Change};
use crate::backend::error::Error;
use crate::backend::identity::proofs::Admin;
use crate::backend::state::AppState;
use crate::backend::store::devices::{self, DeviceRow};
use crate::domain::ids::UserId;
use crate::domain::model::activesync::DeviceFolder;
use crate::domain::model::folders::FolderKind;
use crate::domain::model::{AuditAction, Device};

fn dto(d: DeviceRow, folders: Vec<DeviceFolder>) -> Device {
    Device {
        id: d.id,
        device_id: d.device_id,
        device_type: d.device_type,
        model: if d.model.is_empty() {
            d.user_agent
        } else {
            d.model
        },
        protocol_version: d.protocol_version,
        first_seen: d.first_seen,
        last_seen: d.last_seen,
        last_address: d.last_address,
        blocked: d.blocked,
        old_password: d.old_password,
        folders,
    }
}

/// The user's devices, each with the folders it syncs (one more query for all of them).
pub async fn list(state: &AppState, user_id: UserId) -> Result<Vec<Device>, Error> {
    let rows = devices::for_user(&state.pool, user_id)
        .await
        .map_err(Error::internal)?;
    let ids: Vec<i64> = rows.iter().map(|d| d.id).collect();
    let mut collections = crate::backend::sync::collections_of(state, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|d| {
            let folders = collections
                .iter_mut()
                .filter(|c| c.device_id == d.id)
                .filter(|c| FolderKind::from_code(&c.collection).is_some())
                .map(|c| DeviceFolder {
                    folder: c.collection.clone(),
                    items: c.item_count,
                    last_sync: c.last_sync_at,
                })
                .collect();
            dto(d, folders)
        })
        .collect())
}

/// An admin's view of a user's devices.
pub async fn list_of(state: &AppState, _: &Admin, user_id: UserId) -> Result<Vec<Device>, Error> {
    list(state, user_id).await
}

/// Removes a device from a user's list (an admin's clean-up); audited. A phone that still
/// has the right password reappears at its next request.
pub async fn delete(
    state: &AppState,
    _: &Admin,
    origin: &Origin,
    user_id: UserId,
    device: i64,
) -> Result<Vec<Device>, Error> {
    let mut change = audit::Change::begin(state).await?;
    let found = devices::delete(change.db(), user_id, device)
        .await
        .map_err(Error::internal)?;
    if !found {
        return Err(Error::NotFound);
    }
    let action = AuditAction::DeviceDeleted;
    change.commit(origin, Some(user_id), action).await?;
    // Its cached good check at the door goes too.
    changes::announce(state, Change::User(user_id)).await;
    list(state, user_id).await
}

/// Blocks (the door answers 403 to it) or unblocks one device of a user; audited.
pub async fn set_blocked(
    state: &AppState,
    _: &Admin,
    origin: &Origin,
    user_id: UserId,
    device: i64,
    blocked: bool,
) -> Result<Vec<Device>, Error> {
    let mut change = audit::Change::begin(state).await?;
    let found = devices::set_blocked(change.db(), user_id, device, blocked)
        .await
        .map_err(Error::internal)?;
    if !found {
        return Err(Error::NotFound);
    }
    let action = audit::switch(
        blocked,
        [AuditAction::DeviceBlocked, AuditAction::DeviceUnblocked],
    );
    change.commit(origin, Some(user_id), action).await?;
    changes::announce(state, Change::User(user_id)).await;
    list(state, user_id).await
}
