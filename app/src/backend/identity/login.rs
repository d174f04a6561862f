//! Signing in: the password step (throttled per account and per address before any hashing),
//! then the second factor when 2FA is on.

use crate::backend::audit::Origin;
use crate::backend::error::Error;
use crate::backend::identity::sessions::{self, Session};
use crate::backend::second_factor::{self, Proof, Purpose};
use crate::backend::state::AppState;
use crate::backend::store::users::{self, UserRecord};
use crate::domain::messages::Msg;
use crate::domain::model::{mask_email, SessionInfo};
use crate::domain::two_factor::{self, AfterPassword, TwoFactorMethod};
use crate::domain::validation;
use crate::i18n::Lang;
use zeroize::Zeroizing;

/// A username and password typed on the login page.
pub struct Attempt<'a> {
    pub username: &'a str,
    pub password: Zeroizing<String>,
    pub address: &'a str,
    pub browser_lang: Lang,
}

/// Checks the password. Without 2FA the session is signed in (id rotated); with 2FA a code
/// is mailed and the answer says where.
pub async fn password_step(
    state: &AppState,
    session: &Session,
    a: Attempt<'_>,
) -> Result<SessionInfo, Error> {
    match check_password(state, session, a.username, a.password, a.address).await? {
        LoginStep::SignedIn(user) => Ok(SessionInfo {
            lang: user.language.unwrap_or(a.browser_lang),
            user: Some(user.current()),
            pending_code_to: None,
            code_wait_secs: None,
            pending_app_code: false,
        }),
        LoginStep::CodeNeeded(user) if user.two_factor() == TwoFactorMethod::App => {
            Ok(SessionInfo {
                user: None,
                lang: user.language.unwrap_or(a.browser_lang),
                pending_code_to: None,
                code_wait_secs: None,
                pending_app_code: true,
            })
        }
        LoginStep::CodeNeeded(user) => {
            let lang = user.language.unwrap_or(a.browser_lang);
            // The last login code was used less than a minute ago: the code step says when
            // a new one can be sent.
            let code_wait_secs =
                second_factor::send_code(state, &user, Purpose::Login, lang, false)
                    .await?
                    .wait_secs();
            Ok(SessionInfo {
                user: None,
                lang,
                pending_code_to: Some(mask_email(&user.email)),
                code_wait_secs,
                pending_app_code: false,
            })
        }
    }
}

/// What the second step of a sign-in brings.
pub struct CodeAttempt<'a> {
    pub code: &'a str,
    /// "Use a recovery code instead".
    pub recovery: bool,
    pub address: &'a str,
    pub browser_lang: Lang,
}

/// The second step: the code from the email or the app, or a recovery code. Success signs
/// the session in under a new id.
pub async fn code_step(
    state: &AppState,
    session: &Session,
    a: CodeAttempt<'_>,
) -> Result<SessionInfo, Error> {
    let browser_lang = a.browser_lang;
    let user = sessions::pending_user(state, session)
        .await?
        .ok_or(Error::Unauthenticated)?;
    let lang = user.language.unwrap_or(browser_lang);
    let origin = Origin::user(user.id, a.address);
    let proof = Proof::of(a.code, a.recovery);
    second_factor::proof::check(state, &user, Purpose::Login, proof, ("code", &origin, lang))
        .await?;
    sessions::begin(session, user.id, user.session_version, state.now()).await?;
    tracing::info!(user = %user.id, recovery = a.recovery, "login with a second factor");
    Ok(SessionInfo {
        lang: user.language.unwrap_or(browser_lang),
        user: Some(user.current()),
        pending_code_to: None,
        code_wait_secs: None,
        pending_app_code: false,
    })
}

/// "Send a new code" on the second step (at most one a minute, five an hour).
pub async fn resend_code(
    state: &AppState,
    session: &Session,
    browser_lang: Lang,
) -> Result<(), Error> {
    let user = sessions::pending_user(state, session)
        .await?
        .ok_or(Error::Unauthenticated)?;
    if user.two_factor() != TwoFactorMethod::Email {
        return Err(Error::invalid("code", Msg::CodeMissing));
    }
    let lang = user.language.unwrap_or(browser_lang);
    second_factor::send_code(state, &user, Purpose::Login, lang, true)
        .await?
        .or_too_soon()
}

/// Where a right password leads.
enum LoginStep {
    SignedIn(UserRecord),
    /// 2FA is on: the session awaits the emailed code.
    CodeNeeded(UserRecord),
}

/// Username + password. One argon2 verification per attempt whether or not the user exists,
/// the same error for both, throttled per account and per address before any hashing.
async fn check_password(
    state: &AppState,
    session: &Session,
    username: &str,
    password: Zeroizing<String>,
    address: &str,
) -> Result<LoginStep, Error> {
    let username = username.trim();
    if username.is_empty() {
        return Err(Error::invalid("username", Msg::Required));
    }
    if password.is_empty() {
        return Err(Error::invalid("password", Msg::Required));
    }
    if username.len() > 254 {
        // No such name can exist; not counted, so it costs the throttle's memory nothing.
        return Err(Error::LoginFailed);
    }
    // Counted before any hashing (concurrent guesses cannot slip past the limit); a lock is
    // answered without looking at the password, whatever its length.
    let attempt = state
        .throttle
        .begin(username, address, &password, state.now())
        .await
        .map_err(|wait| Error::RateLimited {
            retry_after_secs: wait,
        })?;
    if password.chars().count() > validation::PASSWORD_MAX || attempt.known_wrong {
        // Not worth an argon2 run; it stays counted as a failure.
        return Err(Error::LoginFailed);
    }

    let user = users::by_username(&state.pool, username)
        .await
        .map_err(Error::internal)?;
    let matched = state
        .hasher
        .verify(password, user.as_ref().map(UserRecord::hash))
        .await
        .map_err(Error::internal)?;
    if !matched {
        state.throttle.failed(&attempt).await;
    }

    match user {
        Some(user) if matched && user.active => {
            state.throttle.succeeded(attempt).await;
            match two_factor::after_password(user.two_factor(), user.two_factor_is_required()) {
                AfterPassword::CodeNeeded => {
                    sessions::begin_pending(session, &user, state.now()).await?;
                    tracing::info!(user = %user.id, %address, "password accepted, code awaited");
                    Ok(LoginStep::CodeNeeded(user))
                }
                AfterPassword::EnrolmentNeeded => {
                    // Not a re-authentication: only the enrolment itself may lean on this
                    // sign-in (see `context::require_reauth_or_fresh_sign_in`).
                    sessions::begin(session, user.id, user.session_version, state.now()).await?;
                    tracing::info!(user = %user.id, %address, "login, 2FA enrolment required");
                    Ok(LoginStep::SignedIn(user))
                }
                AfterPassword::SignedIn => {
                    sessions::begin(session, user.id, user.session_version, state.now()).await?;
                    tracing::info!(user = %user.id, %address, "login");
                    Ok(LoginStep::SignedIn(user))
                }
            }
        }
        _ => {
            tracing::info!(username = %crate::backend::log_text(username), %address, "login failed");
            Err(Error::LoginFailed)
        }
    }
}
