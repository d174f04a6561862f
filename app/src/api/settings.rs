//! Organisation-wide settings (admins only).

use super::dto::{AuditEvent, OrgSettings};
use super::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
async fn current(state: &crate::backend::state::AppState) -> Result<OrgSettings, AppError> {
    use crate::backend::{activesync, two_factor};
    Ok(OrgSettings {
        require_two_factor: two_factor::required_for_all(state).await?,
        activesync_service: activesync::service_on(state).await?,
    })
}

#[server(endpoint = "settings/get")]
pub async fn get_settings() -> Result<OrgSettings, AppError> {
    use crate::backend::context;
    let state = context::state()?;
    context::require_admin().await?;
    current(&state).await
}

/// The organisation's "ActiveSync service" switch.
#[server(endpoint = "settings/activesync-service")]
pub async fn set_activesync_service(on: bool) -> Result<OrgSettings, AppError> {
    use crate::backend::{activesync, context};
    let state = context::state()?;
    let admin = context::require_admin().await?;
    let origin = context::origin(admin.id).await;
    activesync::set_service(&state, &origin, on).await?;
    current(&state).await
}

/// "Require two-factor authentication for all users".
#[server(endpoint = "settings/require-two-factor")]
pub async fn set_require_two_factor(required: bool) -> Result<OrgSettings, AppError> {
    use crate::backend::{context, two_factor};
    let state = context::state()?;
    let admin = context::require_admin().await?;
    if !required {
        context::require_reauth().await?;
    }
    let origin = context::origin(admin.id).await;
    two_factor::set_required_for_all(&state, &origin, required).await?;
    current(&state).await
}

/// The organisation-wide changes, newest first.
#[server(endpoint = "settings/audit")]
pub async fn settings_audit() -> Result<Vec<AuditEvent>, AppError> {
    use crate::backend::{audit, context};
    let state = context::state()?;
    context::require_admin().await?;
    audit::organisation(&state).await
}
