//! Request context for server functions: the state, the session, who is asking.
//! `require_user` and `require_admin` are the access checks every server function makes.

use super::sessions;
use super::state::AppState;
use crate::api::dto::CurrentUser;
use crate::api::error::AppError;
use crate::domain::access::{self, Actor};
use crate::i18n::{from_accept_language, Lang};
use leptos::prelude::*;
use tower_sessions::Session;

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| AppError::internal("AppState missing from context"))
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>()
        .await
        .map_err(|e| AppError::internal(format!("session layer missing: {e}")))
}

/// The client's address as seen by the socket (no proxy headers are trusted).
pub async fn client_address() -> String {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    match leptos_axum::extract::<ConnectInfo<SocketAddr>>().await {
        Ok(ConnectInfo(addr)) => addr.ip().to_string(),
        Err(_) => "unknown".to_string(),
    }
}

/// The browser's preferred language from `Accept-Language`.
pub fn browser_lang() -> Lang {
    use_context::<axum::http::request::Parts>()
        .and_then(|parts| {
            parts
                .headers
                .get(axum::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map(from_accept_language)
        })
        .unwrap_or_default()
}

/// The signed-in, active user, or `Unauthenticated`.
pub async fn require_user() -> Result<CurrentUser, AppError> {
    let state = state()?;
    let session = session().await?;
    let user = sessions::current_user(&state, &session)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    access::may_use_console(&user.actor()).map_err(|_| AppError::Forbidden)?;
    Ok(user)
}

/// The signed-in user if they are an administrator, else `Forbidden`.
pub async fn require_admin() -> Result<CurrentUser, AppError> {
    let user = require_user().await?;
    access::may_manage_users(&user.actor()).map_err(|_| AppError::Forbidden)?;
    Ok(user)
}

impl CurrentUser {
    /// Signed-in users are active by construction (`sessions::current_user` checks).
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.id,
            is_admin: self.is_admin,
            active: true,
        }
    }
}
