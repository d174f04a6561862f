//! Signing in (password, then the second factor when 2FA is on) and out, and who is signed in.

use super::dto::SessionInfo;
use super::error::AppError;
use leptos::prelude::*;

/// Checks a username and password. Without 2FA the session is signed in (id rotated); with
/// 2FA a code is emailed and `pending_code_to` says where.
#[server(endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<SessionInfo, AppError> {
    use crate::api::context::Request;
    use crate::backend::identity::login::{self, Attempt};
    let rq = Request::extract().await?;
    let attempt = Attempt {
        username: &username,
        password: zeroize::Zeroizing::new(password),
        address: &rq.address,
        browser_lang: rq.browser_lang,
    };
    Ok(login::password_step(&rq.state, &rq.session, attempt).await?)
}

/// The second step: the code from the email or the app, or (`recovery` set) a recovery
/// code. Success signs the session in under a new id.
#[server(endpoint = "login/code")]
pub async fn verify_login_code(
    code: String,
    recovery: Option<String>,
) -> Result<SessionInfo, AppError> {
    use crate::api::context::Request;
    use crate::backend::identity::login::{self, CodeAttempt};
    let rq = Request::extract().await?;
    let attempt = CodeAttempt {
        code: &code,
        recovery: recovery.is_some_and(|r| !r.is_empty()),
        address: &rq.address,
        browser_lang: rq.browser_lang,
    };
    Ok(login::code_step(&rq.state, &rq.session, attempt).await?)
}

/// "Send a new code" on the second step (at most one a minute, five an hour).
#[server(endpoint = "login/resend")]
pub async fn resend_login_code() -> Result<(), AppError> {
    use crate::api::context::Request;
    use crate::backend::identity::login;
    let rq = Request::extract().await?;
    Ok(login::resend_code(&rq.state, &rq.session, rq.browser_lang).await?)
}

/// Ends the session on the server (the record is deleted, not just the cookie).
#[server(endpoint = "logout")]
pub async fn logout() -> Result<SessionInfo, AppError> {
    use crate::api::context::Request;
    use crate::backend::identity::sessions;
    let rq = Request::extract().await?;
    Ok(sessions::sign_out(&rq.session, rq.browser_lang).await?)
}

/// Who is signed in, and in which language (every page asks first).
#[server(endpoint = "whoami")]
pub async fn whoami() -> Result<SessionInfo, AppError> {
    use crate::api::context::Request;
    use crate::backend::identity::sessions;
    let rq = Request::extract().await?;
    Ok(sessions::info(&rq.state, &rq.session, rq.browser_lang).await?)
}
