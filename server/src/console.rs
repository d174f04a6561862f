//! Who may use the console, for the plain HTTP routes (pictures, import, export) as the
//! server functions decide it: signed in, active, no password change or 2FA enrolment owed.
//! The session is read here only; the routes take a `ConsoleUser`.

use crate::http::Share;
use crate::state::ServerState;
use app::backend::error::Error;
use app::backend::identity::sessions;
use app::backend::store::users::UserRecord;
use app::domain::access;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

/// The signed-in user who may use the console now (401 or 403 otherwise).
pub struct ConsoleUser(pub UserRecord);

impl FromRequestParts<ServerState> for ConsoleUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &ServerState) -> Result<Self, Response> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let user = sessions::current_record(&state.app, &session)
            .await
            .map_err(|e| failed(&e))?
            .ok_or_else(|| StatusCode::UNAUTHORIZED.into_response())?;
        let allowed = access::may_use_console(&user.actor()).is_ok()
            && !user.must_change_password
            && !user.must_enrol();
        if allowed {
            Ok(ConsoleUser(user))
        } else {
            Err(StatusCode::FORBIDDEN.into_response())
        }
    }
}

/// A connection whose session is signed in leaves its address's count of unauthenticated
/// connections (`connections::Share`). Looked at once per connection, and only for requests
/// that carry the session cookie (static files and sign-in pages cost nothing).
pub async fn release_signed_in(
    State(state): State<ServerState>,
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    let share = request.extensions().get::<Share>().filter(|s| s.held());
    if let Some(share) = share {
        let has_cookie = request
            .headers()
            .get_all(axum::http::header::COOKIE)
            .iter()
            .any(|v| {
                v.to_str()
                    .is_ok_and(|c| c.contains(crate::http::SESSION_COOKIE))
            });
        if has_cookie {
            if let Ok(Some(_)) = sessions::current_record(&state.app, &session).await {
                share.release();
            }
        }
    }
    next.run(request).await
}

/// A backend error as an answer: 404 for what is not the user's, 500 (logged) otherwise.
pub fn failed(e: &Error) -> Response {
    match e {
        Error::NotFound => StatusCode::NOT_FOUND.into_response(),
        other => {
            tracing::error!("console route: {other}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
