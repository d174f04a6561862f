//! Signing in (password, then the emailed code when 2FA is on) and out, and who is signed in.

use super::dto::SessionInfo;
use super::error::AppError;
use leptos::prelude::*;

/// Checks a username and password. Without 2FA the session is signed in (id rotated); with
/// 2FA a code is emailed and `pending_code_to` says where.
#[server(endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<SessionInfo, AppError> {
    use crate::api::dto::mask_email;
    use crate::backend::accounts::{self, LoginStep};
    use crate::backend::{context, otp::Purpose, second_factor};
    let state = context::state()?;
    let session = context::session().await?;
    let address = context::client_address().await;
    let browser = context::browser_lang();
    let password = zeroize::Zeroizing::new(password);
    match accounts::log_in(&state, &session, &username, password, &address).await? {
        LoginStep::SignedIn(user) => Ok(SessionInfo {
            lang: user.language.unwrap_or(browser),
            user: Some(user.current()),
            pending_code_to: None,
            code_wait_secs: None,
        }),
        LoginStep::CodeNeeded(user) => {
            let lang = user.language.unwrap_or(browser);
            // The last login code was used less than a minute ago: the code step says when
            // a new one can be sent.
            let code_wait_secs =
                second_factor::send_code(&state, &user, Purpose::Login, lang, false)
                    .await?
                    .wait_secs();
            Ok(SessionInfo {
                user: None,
                lang,
                pending_code_to: Some(mask_email(&user.email)),
                code_wait_secs,
            })
        }
    }
}

/// The second step: the code from the email. Success signs the session in under a new id.
#[server(endpoint = "login/code")]
pub async fn verify_login_code(code: String) -> Result<SessionInfo, AppError> {
    use crate::backend::{context, otp::Purpose, second_factor, sessions};
    let state = context::state()?;
    let session = context::session().await?;
    let user = sessions::pending_user(&state, &session)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    second_factor::check_code(&state, user.id, Purpose::Login, &code).await?;
    sessions::begin(&session, user.id, user.session_version, state.now()).await?;
    tracing::info!(user = user.id, "login with emailed code");
    Ok(SessionInfo {
        lang: user.language.unwrap_or(context::browser_lang()),
        user: Some(user.current()),
        pending_code_to: None,
        code_wait_secs: None,
    })
}

/// "Send a new code" on the second step (at most one a minute, five an hour).
#[server(endpoint = "login/resend")]
pub async fn resend_login_code() -> Result<(), AppError> {
    use crate::backend::{context, otp::Purpose, second_factor, sessions};
    let state = context::state()?;
    let session = context::session().await?;
    let user = sessions::pending_user(&state, &session)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let lang = user.language.unwrap_or(context::browser_lang());
    second_factor::send_code(&state, &user, Purpose::Login, lang, true)
        .await?
        .or_too_soon()
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
        pending_code_to: None,
        code_wait_secs: None,
    })
}

#[server(endpoint = "whoami")]
pub async fn whoami() -> Result<SessionInfo, AppError> {
    use crate::backend::{context, sessions};
    let state = context::state()?;
    let session = context::session().await?;
    sessions::info(&state, &session, context::browser_lang()).await
}
