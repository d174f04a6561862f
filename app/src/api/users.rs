//! The admin's user management. Every function checks for an admin itself: hiding a button
//! is not access control.

use super::dto::{Profile, UserRow};
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
    let new = accounts::NewUser {
        username,
        email,
        first_name,
        last_name,
        password: zeroize::Zeroizing::new(password),
        is_admin: is_admin.is_some_and(|v| !v.is_empty() && v != "false"),
        must_change_password: true,
    };
    let id = accounts::create(&state, new).await?;
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
    accounts::set_active(&state, &admin.actor(), id, active).await?;
    accounts::profile(&state, id).await
}
