//! The user's own ActiveSync password. Viewing, changing and removing it need a fresh
//! re-authentication; the cleartext only ever goes to its owner.

use super::dto::SyncPasswordView;
use super::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "activesync/view")]
pub async fn view_sync_password() -> Result<SyncPasswordView, AppError> {
    use crate::backend::{activesync, context};
    let state = context::state()?;
    let me = context::require_user_record().await?;
    context::require_reauth().await?;
    activesync::view(&state, &me)
}

#[server(endpoint = "activesync/change")]
pub async fn change_sync_password(
    new_sync_password: String,
    confirm_sync_password: String,
) -> Result<(), AppError> {
    use crate::backend::{activesync, context};
    use zeroize::Zeroizing;
    let state = context::state()?;
    let me = context::require_user_record().await?;
    context::require_reauth().await?;
    let origin = context::origin(me.id).await;
    activesync::change(
        &state,
        &me,
        &origin,
        Zeroizing::new(new_sync_password),
        Zeroizing::new(confirm_sync_password),
        context::lang_of(&me),
    )
    .await
}

#[server(endpoint = "activesync/remove")]
pub async fn remove_sync_password() -> Result<(), AppError> {
    use crate::backend::{activesync, context};
    let state = context::state()?;
    let me = context::require_user_record().await?;
    context::require_reauth().await?;
    let origin = context::origin(me.id).await;
    activesync::remove(&state, &me, &origin).await
}

/// A strong random password for "Generate" (nothing is stored).
#[server(endpoint = "activesync/generate")]
pub async fn generate_sync_password() -> Result<String, AppError> {
    use crate::backend::{activesync, context};
    // Also offered while a user who must enrol sets the sync password that 2FA needs.
    context::require_signed_in().await?;
    Ok(activesync::generate())
}
