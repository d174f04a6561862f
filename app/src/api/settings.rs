//! Organisation-wide settings (admins only).

use super::dto::{AuditEvent, OrgSettings};
use super::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "settings/get")]
pub async fn get_settings() -> Result<OrgSettings, AppError> {
    use crate::api::context::Request;
    use crate::backend::organisation;
    let rq = Request::extract().await?;
    let (_, admin) = rq.admin().await?;
    Ok(organisation::settings(&rq.state, &admin).await?)
}

#[server(endpoint = "settings/activesync-service")]
pub async fn set_activesync_service(on: bool) -> Result<OrgSettings, AppError> {
    use crate::api::context::Request;
    use crate::backend::organisation;
    let rq = Request::extract().await?;
    let (me, admin) = rq.admin().await?;
    let origin = rq.origin(me.id);
    Ok(organisation::set_activesync_service(&rq.state, &admin, &origin, on).await?)
}

/// Lifting the requirement weakens every account: the admin's own fresh proof first.
#[server(endpoint = "settings/require-two-factor")]
pub async fn set_require_two_factor(required: bool) -> Result<OrgSettings, AppError> {
    use crate::api::context::Request;
    use crate::backend::organisation;
    let rq = Request::extract().await?;
    let (me, admin) = rq.admin().await?;
    let reauth = rq.reauthenticated().await.ok();
    let origin = rq.origin(me.id);
    let state = &rq.state;
    Ok(
        organisation::set_require_two_factor(state, &admin, reauth.as_ref(), &origin, required)
            .await?,
    )
}

/// "Two-factor method": the app only, or any. Allowing email again takes the admin's fresh
/// proof.
#[server(endpoint = "settings/two-factor-method")]
pub async fn set_two_factor_method(app_only: bool) -> Result<OrgSettings, AppError> {
    use crate::api::context::Request;
    use crate::backend::organisation;
    let rq = Request::extract().await?;
    let (me, admin) = rq.admin().await?;
    let reauth = rq.reauthenticated().await.ok();
    let origin = rq.origin(me.id);
    let state = &rq.state;
    Ok(organisation::set_app_only(state, &admin, reauth.as_ref(), &origin, app_only).await?)
}

/// The organisation's audit trail (settings, key rotations), newest first.
#[server(endpoint = "settings/audit")]
pub async fn settings_audit() -> Result<Vec<AuditEvent>, AppError> {
    use crate::api::context::Request;
    use crate::backend::audit;
    let rq = Request::extract().await?;
    let (_, admin) = rq.admin().await?;
    Ok(audit::organisation(&rq.state, &admin).await?)
}
