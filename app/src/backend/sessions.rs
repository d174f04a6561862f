//! What a session holds and how it is checked. A session stores the user id and the user's
//! session version; bumping the version in the database (deactivation, password change)
//! ends every other session of that user at its next request.

use super::state::AppState;
use super::store;
use super::store::users::UserRecord;
use crate::api::dto::{CurrentUser, SessionInfo};
use crate::api::error::AppError;
use crate::i18n::Lang;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

const KEY: &str = "auth";

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct SignedIn {
    user_id: i64,
    version: i64,
}

/// Starts a signed-in session under a fresh id (no fixation).
pub async fn begin(session: &Session, user_id: i64, version: i64) -> Result<(), AppError> {
    session.cycle_id().await.map_err(AppError::internal)?;
    session
        .insert(KEY, SignedIn { user_id, version })
        .await
        .map_err(AppError::internal)
}

/// Keeps the current session valid after the user's own version bump (e.g. their password
/// change), under a fresh id, while all their other sessions end.
pub async fn renew(session: &Session, user_id: i64, version: i64) -> Result<(), AppError> {
    begin(session, user_id, version).await
}

/// Deletes the session record on the server.
pub async fn end(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(AppError::internal)
}

/// The user behind this session if it is still valid; ends it if it is not.
pub async fn current_user(
    state: &AppState,
    session: &Session,
) -> Result<Option<CurrentUser>, AppError> {
    Ok(current_record(state, session).await?.map(|u| u.current()))
}

async fn current_record(
    state: &AppState,
    session: &Session,
) -> Result<Option<UserRecord>, AppError> {
    let Some(signed_in) = session
        .get::<SignedIn>(KEY)
        .await
        .map_err(AppError::internal)?
    else {
        return Ok(None);
    };
    let user = store::users::by_id(&state.pool, signed_in.user_id)
        .await
        .map_err(AppError::internal)?;
    match user {
        Some(u) if u.active && u.session_version == signed_in.version => Ok(Some(u)),
        _ => {
            end(session).await?;
            Ok(None)
        }
    }
}

pub async fn info(
    state: &AppState,
    session: &Session,
    browser: Lang,
) -> Result<SessionInfo, AppError> {
    Ok(match current_record(state, session).await? {
        Some(u) => SessionInfo {
            lang: u.language.unwrap_or(browser),
            user: Some(u.current()),
        },
        None => SessionInfo {
            user: None,
            lang: browser,
        },
    })
}
