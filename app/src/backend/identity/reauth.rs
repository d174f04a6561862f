//! Re-authentication ("sudo mode", SPEC 1.4): the login password, plus the second factor
//! (the code of the user's method, or a recovery code) when 2FA is on. A success is good for 5 minutes in this session only and rotates its id.

use crate::backend::audit::Origin;
use crate::backend::error::Error;
use crate::backend::identity::proofs::Reauthenticated;
use crate::backend::identity::sessions;
use crate::backend::identity::sessions::Session;
use crate::backend::second_factor::codes::Purpose;
use crate::backend::second_factor::email;
use crate::backend::second_factor::proof::{self, Proof};
use crate::backend::state::AppState;
use crate::backend::store::users::UserRecord;
use crate::domain::messages::Msg;
use crate::domain::model::{mask_email, ReauthChallenge, TwoFactorMethod};
use crate::domain::reauth;
use crate::i18n::Lang;
use zeroize::Zeroizing;

/// Opens a re-authentication: with 2FA on, a code is mailed (unless one sent less than a
/// minute ago is still the one to use).
pub async fn challenge(
    state: &AppState,
    user: &UserRecord,
    lang: Lang,
) -> Result<ReauthChallenge, Error> {
    // Only email has something to send: the app shows its own code, no 2FA asks the password.
    let (code_to, wait_secs) = match user.two_factor() {
        TwoFactorMethod::Off | TwoFactorMethod::App => (None, None),
        TwoFactorMethod::Email => {
            let sent = email::send_code(state, user, Purpose::Reauth, lang, false).await?;
            (Some(mask_email(&user.email)), sent.wait_secs())
        }
    };
    Ok(ReauthChallenge {
        code_to,
        wait_secs,
        app: user.two_factor() == TwoFactorMethod::App,
    })
}

/// "Send a new code" in the dialog.
pub async fn resend_code(state: &AppState, user: &UserRecord, lang: Lang) -> Result<(), Error> {
    if user.two_factor() != TwoFactorMethod::Email {
        return Err(Error::invalid("reauth_code", Msg::CodeMissing));
    }
    email::send_code(state, user, Purpose::Reauth, lang, true)
        .await?
        .or_too_soon()
}

/// What the dialog sends.
pub struct ReauthAttempt<'a> {
    pub password: Zeroizing<String>,
    /// The code of the user's method, or a recovery code (`recovery`).
    pub code: &'a str,
    pub recovery: bool,
    pub address: &'a str,
    pub lang: Lang,
}

/// Checks the password (throttled like a login: it is a password oracle too) and, with 2FA
/// on, the code; then marks the session as freshly re-authenticated under a new id.
pub async fn confirm(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    a: ReauthAttempt<'_>,
) -> Result<(), Error> {
    let ReauthAttempt {
        password,
        code,
        recovery,
        address,
        lang,
    } = a;
    if password.is_empty() {
        return Err(Error::invalid("reauth_password", Msg::Required));
    }
    let attempt = state
        .throttle
        .begin(&user.username, address, &password, state.now())
        .await
        .map_err(|wait| Error::RateLimited {
            retry_after_secs: wait,
        })?;
    if attempt.known_wrong {
        return Err(Error::invalid("reauth_password", Msg::PasswordWrong));
    }
    let right = state
        .hasher
        .verify(password, Some(user.hash()))
        .await
        .map_err(Error::internal)?;
    if !right {
        state.throttle.failed(&attempt).await;
        tracing::info!(user = %user.id, %address, "re-authentication: wrong password");
        return Err(Error::invalid("reauth_password", Msg::PasswordWrong));
    }
    // The password was right; the code has its own limit of tries.
    state.throttle.succeeded(attempt).await;
    if user.two_factor() != TwoFactorMethod::Off {
        let origin = Origin::user(user.id, address);
        let proof = Proof::of(code, recovery);
        let context = ("reauth_code", &origin, lang);
        proof::check(state, user, Purpose::Reauth, proof, context).await?;
    }
    sessions::mark_reauthenticated(session, state.now(), user.two_factor()).await?;
    tracing::info!(user = %user.id, %address, "re-authenticated");
    Ok(())
}

/// The guard of every sensitive action: a re-authentication in this session, less than 5
/// minutes old.
pub async fn require_fresh(state: &AppState, session: &Session) -> Result<Reauthenticated, Error> {
    let at = sessions::reauthenticated_at(session).await?;
    if reauth::is_fresh(at, state.now()) {
        Ok(Reauthenticated::checked())
    } else {
        Err(Error::ReauthRequired)
    }
}

/// For enrolment only: a user sent to enrol right after signing in (no 2FA yet, password
/// proven a moment ago) is not asked to prove it again; anyone else re-authenticates. The
/// sign-in does not count as a re-authentication for anything else.
pub async fn require_fresh_or_enrolling(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
) -> Result<Reauthenticated, Error> {
    if user.must_enrol() && reauth::is_fresh(sessions::signed_in_at(session).await?, state.now()) {
        return Ok(Reauthenticated::checked());
    }
    require_fresh(state, session).await
}
