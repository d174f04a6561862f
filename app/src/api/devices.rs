//! The ActiveSync devices of a user: their own list, and the admin's list, block and remove.

use super::dto::Device;
use super::error::AppError;
use crate::domain::ids::UserId;
use leptos::prelude::*;

#[server(endpoint = "me/devices")]
pub async fn my_devices() -> Result<Vec<Device>, AppError> {
    use crate::api::context::Request;
    use crate::backend::activesync::devices;
    let rq = Request::extract().await?;
    let me = rq.user().await?;
    Ok(devices::list(&rq.state, me.id).await?)
}

#[server(endpoint = "users/devices")]
pub async fn user_devices(id: UserId) -> Result<Vec<Device>, AppError> {
    use crate::api::context::Request;
    use crate::backend::activesync::devices;
    let rq = Request::extract().await?;
    let (_, admin) = rq.admin().await?;
    Ok(devices::list_of(&rq.state, &admin, id).await?)
}

/// Forgets a device (its next visit starts over, and counts toward the cap again).
#[server(endpoint = "users/delete-device")]
pub async fn delete_device(id: UserId, device: i64) -> Result<Vec<Device>, AppError> {
    use crate::api::context::Request;
    use crate::backend::activesync::devices;
    let rq = Request::extract().await?;
    let (me, admin) = rq.admin().await?;
    Ok(devices::delete(&rq.state, &admin, &rq.origin(me.id), id, device).await?)
}

#[server(endpoint = "users/block-device")]
pub async fn block_device(id: UserId, device: i64, blocked: bool) -> Result<Vec<Device>, AppError> {
    use crate::api::context::Request;
    use crate::backend::activesync::devices;
    let rq = Request::extract().await?;
    let (me, admin) = rq.admin().await?;
    let origin = rq.origin(me.id);
    Ok(devices::set_blocked(&rq.state, &admin, &origin, id, device, blocked).await?)
}
