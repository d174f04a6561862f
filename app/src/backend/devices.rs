//! The Devices list (what the ActiveSync door has seen per user) and the admin's block.

use super::audit::{self, Origin};
use super::state::AppState;
use super::store::devices::{self, DeviceRow};
use crate::api::dto::{AuditAction, Device};
use crate::api::error::AppError;

fn dto(d: DeviceRow) -> Device {
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
    }
}

pub async fn list(state: &AppState, user_id: i64) -> Result<Vec<Device>, AppError> {
    Ok(devices::for_user(&state.pool, user_id)
        .await
        .map_err(AppError::internal)?
        .into_iter()
        .map(dto)
        .collect())
}

/// Removes a device from a user's list (an admin's clean-up); audited. A phone that still
/// has the right password reappears at its next request.
pub async fn delete(
    state: &AppState,
    origin: &Origin,
    user_id: i64,
    device: i64,
) -> Result<Vec<Device>, AppError> {
    let found = devices::delete(&state.pool, user_id, device)
        .await
        .map_err(AppError::internal)?;
    // Its cached good check at the door goes too.
    state.credentials.bump_user(user_id);
    if !found {
        return Err(AppError::NotFound);
    }
    audit::record(state, origin, Some(user_id), AuditAction::DeviceDeleted).await?;
    list(state, user_id).await
}

/// Blocks (the door answers 403 to it) or unblocks one device of a user; audited.
pub async fn set_blocked(
    state: &AppState,
    origin: &Origin,
    user_id: i64,
    device: i64,
    blocked: bool,
) -> Result<Vec<Device>, AppError> {
    let found = devices::set_blocked(&state.pool, user_id, device, blocked)
        .await
        .map_err(AppError::internal)?;
    state.credentials.bump_user(user_id);
    if !found {
        return Err(AppError::NotFound);
    }
    audit::record_switch(
        state,
        origin,
        Some(user_id),
        blocked,
        [AuditAction::DeviceBlocked, AuditAction::DeviceUnblocked],
    )
    .await?;
    list(state, user_id).await
}
