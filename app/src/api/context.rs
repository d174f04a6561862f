//! One server function call, extracted once: the state, the session, the client's address,
//! the browser's language (the request's id is read where errors are logged: `api::error`).
//! The checks every server function makes (`user`, `admin`, `reauthenticated`) start here and
//! end in backend proofs.

use crate::api::error::AppError;
use crate::backend::audit::Origin;
use crate::backend::identity::proofs::{self, Admin, Reauthenticated};
use crate::backend::identity::UserRecord;
use crate::backend::identity::{reauth, sessions};
use crate::backend::state::{AppState, ClientAddress};
use crate::domain::access;
use crate::domain::ids::UserId;
use crate::i18n::{from_accept_language, Lang};
use axum::http::request::Parts;
use leptos::prelude::*;
use tower_sessions::Session;

pub struct Request {
    pub state: AppState,
    pub session: Session,
    /// As the server decided it (`X-Forwarded-For` only from a trusted proxy).
    pub address: String,
    /// From `Accept-Language`.
    pub browser_lang: Lang,
}

impl Request {
    pub async fn extract() -> Result<Self, AppError> {
        let state = use_context::<AppState>()
            .ok_or_else(|| AppError::internal("AppState missing from context"))?;
        let session = leptos_axum::extract::<Session>()
            .await
            .map_err(|e| AppError::internal(format!("session layer missing: {e}")))?;
        let parts = use_context::<Parts>();
        let address = match parts
            .as_ref()
            .and_then(|p| p.extensions.get::<ClientAddress>().copied())
        {
            Some(ClientAddress(ip)) => ip.to_string(),
            None => peer_address().await,
        };
        let browser_lang = parts
            .as_ref()
            .and_then(|p| p.headers.get(axum::http::header::ACCEPT_LANGUAGE))
            .and_then(|v| v.to_str().ok())
            .map(from_accept_language)
            .unwrap_or_default();
        Ok(Request {
            state,
            session,
            address,
            browser_lang,
        })
    }

    /// The signed-in, active user, or `Unauthenticated`; `EnrolmentRequired` while they must
    /// set up the 2FA an admin requires.
    pub async fn user(&self) -> Result<UserRecord, AppError> {
        let user = self.signed_in().await?;
        if user.must_enrol() {
            return Err(AppError::EnrolmentRequired);
        }
        Ok(user)
    }

    /// The signed-in user, also while they must still enrol in 2FA: for enrolment,
    /// re-authentication and the user's own session only. `PasswordChangeRequired` while they
    /// sign in with a one-time password: choosing their own comes first.
    pub async fn signed_in(&self) -> Result<UserRecord, AppError> {
        let user = self.session_user().await?;
        if user.must_change_password {
            return Err(AppError::PasswordChangeRequired);
        }
        Ok(user)
    }

    /// The signed-in user, whatever they still owe: for the "choose your password" step only.
    pub async fn session_user(&self) -> Result<UserRecord, AppError> {
        let user = sessions::current_record(&self.state, &self.session)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        access::may_use_console(&user.actor()).map_err(|_| AppError::Forbidden)?;
        Ok(user)
    }

    /// The signed-in user and the proof that they are an administrator, else `Forbidden`.
    pub async fn admin(&self) -> Result<(UserRecord, Admin), AppError> {
        let user = self.user().await?;
        let admin = proofs::admin(&user)?;
        Ok((user, admin))
    }

    /// A re-authentication in this session less than 5 minutes old, or `ReauthRequired`.
    pub async fn reauthenticated(&self) -> Result<Reauthenticated, AppError> {
        Ok(reauth::require_fresh(&self.state, &self.session).await?)
    }

    /// For enrolment only: a user sent to enrol right after signing in is not asked to prove
    /// it again; anyone else re-authenticates.
    pub async fn reauthenticated_or_enrolling(
        &self,
        user: &UserRecord,
    ) -> Result<Reauthenticated, AppError> {
        Ok(reauth::require_fresh_or_enrolling(&self.state, &self.session, user).await?)
    }

    /// Who is making the request, for the audit trail.
    pub fn origin(&self, actor_id: UserId) -> Origin {
        Origin::user(actor_id, self.address.clone())
    }

    /// The language for mails to `user`: theirs, else the browser's.
    pub fn lang_of(&self, user: &UserRecord) -> Lang {
        user.language.unwrap_or(self.browser_lang)
    }
}

async fn peer_address() -> String {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    match leptos_axum::extract::<ConnectInfo<SocketAddr>>().await {
        Ok(ConnectInfo(addr)) => addr.ip().to_string(),
        Err(_) => "unknown".to_string(),
    }
}

/// Runs a change of the account to its end even if the browser drops the request (a reload
/// while it is on its way): the commit, the announcement that clears cached credentials and
/// the notice mail are never left half-done by a closed connection.
pub async fn to_completion<T: Send + 'static>(
    work: impl std::future::Future<Output = Result<T, crate::backend::error::Error>> + Send + 'static,
) -> Result<T, AppError> {
    match tokio::spawn(work).await {
        Ok(done) => Ok(done?),
        Err(e) => Err(AppError::internal(format!("account change stopped: {e}"))),
    }
}
