//! The admin's user management. Every function checks for an admin itself: hiding a button
//! is not access control.

use super::dto::{AuditEvent, Profile, UserRow};
use super::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "users/list")]
pub async fn list_users() -> Result<Vec<UserRow>, AppError> {
    use crate::backend::{accounts, context};
    let state = context::state()?;
    context::require_admin().await?;
    accounts::list(&state).await
}

/// `is_admin` comes from a checkbox: present ("on") or absent.
#[server(endpoint = "users/create")]
pub async fn create_user(
    username: String,
    email: String,
    first_name: String,
    last_name: String,
    password: String,
    is_admin: Option<String>,
) -> Result<i64, AppError> {
    use crate::backend::{accounts, context};
    let state = context::state()?;
    let admin = context::require_admin().await?;
    let is_admin = is_admin.is_some_and(|v| !v.is_empty() && v != "false");
    if is_admin {
        // A new administrator is a new key to everything: the admin's own fresh proof first.
        context::require_reauth().await?;
    }
    let new = accounts::NewUser {
        username,
        email,
        first_name,
        last_name,
        password: zeroize::Zeroizing::new(password),
        is_admin,
        must_change_password: true,
    };
    let origin = context::origin(admin.id).await;
    let id = accounts::create(&state, &origin, new).await?;
    tracing::info!(admin = admin.id, user = id, "user created");
    Ok(id)
}

#[server(endpoint = "users/get")]
pub async fn get_user(id: i64) -> Result<Profile, AppError> {
    use crate::backend::{accounts, context};
    let state = context::state()?;
    context::require_admin().await?;
    accounts::profile(&state, id).await
}

#[server(endpoint = "users/active")]
pub async fn set_user_active(id: i64, active: bool) -> Result<Profile, AppError> {
    use crate::backend::{accounts, context};
    let state = context::state()?;
    let admin = context::require_admin().await?;
    if !active {
        // Weakening someone's account asks for the admin's own fresh proof (SPEC 1.4).
        context::require_reauth().await?;
    }
    let origin = context::origin(admin.id).await;
    accounts::set_active(&state, &admin.actor(), &origin, id, active).await?;
    accounts::profile(&state, id).await
}

/// "Require two-factor authentication" for one user.
#[server(endpoint = "users/require-two-factor")]
pub async fn set_user_two_factor_required(id: i64, required: bool) -> Result<Profile, AppError> {
    use crate::backend::{accounts, context, two_factor};
    let state = context::state()?;
    let admin = context::require_admin().await?;
    if !required {
        // Lifting the requirement weakens the account: the admin's own fresh proof first.
        context::require_reauth().await?;
    }
    let origin = context::origin(admin.id).await;
    two_factor::set_required(&state, &origin, id, required).await?;
    accounts::profile(&state, id).await
}

/// "Reset two-factor authentication": off, and the user's sessions end.
#[server(endpoint = "users/reset-two-factor")]
pub async fn reset_user_two_factor(id: i64) -> Result<Profile, AppError> {
    use crate::backend::{accounts, context, two_factor};
    let state = context::state()?;
    let admin = context::require_admin().await?;
    context::require_reauth().await?;
    let origin = context::origin(admin.id).await;
    two_factor::reset(&state, &origin, id, context::browser_lang()).await?;
    accounts::profile(&state, id).await
}

/// "Enable ActiveSync" for one user.
#[server(endpoint = "users/activesync")]
pub async fn set_user_activesync(id: i64, enabled: bool) -> Result<Profile, AppError> {
    use crate::backend::{accounts, activesync, context};
    let state = context::state()?;
    let admin = context::require_admin().await?;
    let origin = context::origin(admin.id).await;
    activesync::set_enabled(&state, &origin, id, enabled).await?;
    accounts::profile(&state, id).await
}

/// "Clear ActiveSync password": admins remove it; they never see it.
#[server(endpoint = "users/clear-sync-password")]
pub async fn clear_user_sync_password(id: i64) -> Result<Profile, AppError> {
    use crate::backend::{accounts, activesync, context};
    let state = context::state()?;
    let admin = context::require_admin().await?;
    context::require_reauth().await?;
    let origin = context::origin(admin.id).await;
    activesync::clear(&state, &origin, id, context::browser_lang()).await?;
    accounts::profile(&state, id).await
}

/// The user's audit trail, newest first.
#[server(endpoint = "users/audit")]
pub async fn user_audit(id: i64) -> Result<Vec<AuditEvent>, AppError> {
    use crate::backend::{audit, context};
    let state = context::state()?;
    context::require_admin().await?;
    audit::for_user(&state, id).await
}
