//! The ActiveSync devices of a user: their own list, and the admin's list and block.

use super::dto::Device;
use super::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "me/devices")]
pub async fn my_devices() -> Result<Vec<Device>, AppError> {
    use crate::backend::{context, devices};
    let state = context::state()?;
    let me = context::require_user().await?;
    devices::list(&state, me.id).await
}

#[server(endpoint = "users/devices")]
pub async fn user_devices(id: i64) -> Result<Vec<Device>, AppError> {
    use crate::backend::{context, devices};
    let state = context::state()?;
    context::require_admin().await?;
    devices::list(&state, id).await
}

/// Removes one device from user `id`'s list (admins only; audited).
#[server(endpoint = "users/delete-device")]
pub async fn delete_device(id: i64, device: i64) -> Result<Vec<Device>, AppError> {
    use crate::backend::{context, devices};
    let state = context::state()?;
    let admin = context::require_admin().await?;
    let origin = context::origin(admin.id).await;
    devices::delete(&state, &origin, id, device).await
}

/// Blocks or unblocks one device of user `id` (admins only; audited).
#[server(endpoint = "users/block-device")]
pub async fn block_device(id: i64, device: i64, blocked: bool) -> Result<Vec<Device>, AppError> {
    use crate::backend::{context, devices};
    let state = context::state()?;
    let admin = context::require_admin().await?;
    let origin = context::origin(admin.id).await;
    devices::set_blocked(&state, &origin, id, device, blocked).await
}
