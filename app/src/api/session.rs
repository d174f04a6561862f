//! Signing in and out, and who is signed in.

use super::dto::SessionInfo;
use super::error::AppError;
use leptos::prelude::*;

/// Checks a username and password; on success the session id is rotated and the new
/// session info returned.
#[server(endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<SessionInfo, AppError> {
    use crate::backend::{accounts, context};
    let state = context::state()?;
    let session = context::session().await?;
    let address = context::client_address().await;
    let lang = context::browser_lang();
    let password = zeroize::Zeroizing::new(password);
    let user = accounts::log_in(&state, &session, &username, password, &address).await?;
    Ok(SessionInfo {
        lang: user.language.unwrap_or(lang),
        user: Some(user.current()),
    })
}

/// Ends the session on the server (the record is deleted, not just the cookie).
#[server(endpoint = "logout")]
pub async fn logout() -> Result<SessionInfo, AppError> {
    use crate::backend::{context, sessions};
    let session = context::session().await?;
    sessions::end(&session).await?;
    Ok(SessionInfo {
        user: None,
        lang: context::browser_lang(),
    })
}

#[server(endpoint = "whoami")]
pub async fn whoami() -> Result<SessionInfo, AppError> {
    use crate::backend::{context, sessions};
    let state = context::state()?;
    let session = context::session().await?;
    sessions::info(&state, &session, context::browser_lang()).await
}
