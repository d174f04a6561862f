//! Request context for server functions: the state, the session, who is asking.
//! `require_user`, `require_admin` and `require_reauth` are the checks every server
//! function makes.

use super::audit::Origin;
use super::reauth;
use super::sessions;
use super::state::AppState;
use super::store::users::UserRecord;
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

/// The client's address as the server decided it (`X-Forwarded-For` only from a trusted
/// proxy).
pub async fn client_address() -> String {
    use super::state::ClientAddress;
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    if let Some(ClientAddress(ip)) = use_context::<axum::http::request::Parts>()
        .and_then(|p| p.extensions.get::<ClientAddress>().copied())
    {
        return ip.to_string();
    }
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

/// The signed-in, active user, or `Unauthenticated`; `EnrolmentRequired` while they must
/// set up the 2FA an admin requires.
pub async fn require_user() -> Result<CurrentUser, AppError> {
    Ok(require_user_record().await?.current())
}

/// As `require_user`, with the stored record (for changes to the user's own account).
pub async fn require_user_record() -> Result<UserRecord, AppError> {
    let user = require_signed_in().await?;
    if user.must_enrol() {
        return Err(AppError::EnrolmentRequired);
    }
    Ok(user)
}

/// The signed-in user's record, also while they must still enrol in 2FA: for enrolment,
/// re-authentication and the user's own session only. `PasswordChangeRequired` while they
/// sign in with a one-time password: choosing their own comes first.
pub async fn require_signed_in() -> Result<UserRecord, AppError> {
    let user = require_session_user().await?;
    if user.must_change_password {
        return Err(AppError::PasswordChangeRequired);
    }
    Ok(user)
}

/// The signed-in user, whatever they still owe: for the "choose your password" step only.
pub async fn require_session_user() -> Result<UserRecord, AppError> {
    let state = state()?;
    let session = session().await?;
    let user = sessions::current_record(&state, &session)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    access::may_use_console(&user.current().actor()).map_err(|_| AppError::Forbidden)?;
    Ok(user)
}

/// A re-authentication in this session less than 5 minutes old, or `ReauthRequired`.
pub async fn require_reauth() -> Result<(), AppError> {
    reauth::require_fresh(&state()?, &session().await?).await
}

/// For enrolment only: a user sent to enrol right after signing in (no 2FA yet, password
/// proven a moment ago) is not asked to prove it again; anyone else re-authenticates. The
/// sign-in does not count as a re-authentication for anything else.
pub async fn require_reauth_or_fresh_sign_in(user: &UserRecord) -> Result<(), AppError> {
    let state = state()?;
    let session = session().await?;
    if user.must_enrol()
        && crate::domain::reauth::is_fresh(sessions::signed_in_at(&session).await?, state.now())
    {
        return Ok(());
    }
    reauth::require_fresh(&state, &session).await
}

/// Who is making the request, for the audit trail.
pub async fn origin(actor_id: i64) -> Origin {
    Origin::user(actor_id, client_address().await)
}

/// The language for mails to `user`: theirs, else the browser's.
pub fn lang_of(user: &UserRecord) -> Lang {
    user.language.unwrap_or_else(browser_lang)
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
