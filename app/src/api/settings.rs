//! Organisation-wide settings (admins only).

use super::dto::{AuditEvent, OrgSettings};
use super::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "settings/get")]
pub async fn get_settings() -> Result<OrgSettings, AppError> {
    use crate::backend::{context, two_factor};
    let state = context::state()?;
    context::require_admin().await?;
    Ok(OrgSettings {
        require_two_factor: two_factor::required_for_all(&state).await?,
    })
}

/// "Require two-factor authentication for all users".
#[server(endpoint = "settings/require-two-factor")]
pub async fn set_require_two_factor(required: bool) -> Result<OrgSettings, AppError> {
    use crate::backend::{context, two_factor};
    let state = context::state()?;
    let admin = context::require_admin().await?;
    let origin = context::origin(admin.id).await;
    two_factor::set_required_for_all(&state, &origin, required).await?;
    Ok(OrgSettings {
        require_two_factor: required,
    })
}

/// The organisation-wide changes, newest first.
#[server(endpoint = "settings/audit")]
pub async fn settings_audit() -> Result<Vec<AuditEvent>, AppError> {
    use crate::backend::{audit, context};
    let state = context::state()?;
    context::require_admin().await?;
    audit::organisation(&state).await
}
