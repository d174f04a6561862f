//! Re-authentication (SPEC 1.4): the dialog opens with `reauth/start` (which mails a code when
//! 2FA is on) and succeeds with `reauth`. Sensitive server functions then get the proof with
//! `Request::reauthenticated`.

use super::dto::ReauthChallenge;
use super::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "reauth/start")]
pub async fn start_reauth() -> Result<ReauthChallenge, AppError> {
    use crate::api::context::Request;
    use crate::backend::identity::reauth;
    let rq = Request::extract().await?;
    let me = rq.signed_in().await?;
    Ok(reauth::challenge(&rq.state, &me, rq.lang_of(&me)).await?)
}

/// "Send a new code" in the dialog (at most one a minute).
#[server(endpoint = "reauth/resend")]
pub async fn resend_reauth_code() -> Result<(), AppError> {
    use crate::api::context::Request;
    use crate::backend::identity::reauth;
    let rq = Request::extract().await?;
    let me = rq.signed_in().await?;
    Ok(reauth::resend_code(&rq.state, &me, rq.lang_of(&me)).await?)
}

/// The password (and, when 2FA is on, the code or a recovery code). Throttled like the login.
#[server(endpoint = "reauth")]
pub async fn reauthenticate(
    reauth_password: String,
    reauth_code: Option<String>,
    reauth_recovery: Option<String>,
) -> Result<(), AppError> {
    use crate::api::context::Request;
    use crate::backend::identity::reauth::{self, ReauthAttempt};
    let rq = Request::extract().await?;
    let me = rq.signed_in().await?;
    let attempt = ReauthAttempt {
        password: zeroize::Zeroizing::new(reauth_password),
        code: reauth_code.as_deref().unwrap_or_default(),
        recovery: reauth_recovery.is_some_and(|r| !r.is_empty()),
        address: &rq.address,
        lang: rq.lang_of(&me),
    };
    Ok(reauth::confirm(&rq.state, &rq.session, &me, attempt).await?)
}
