//! Turning the second factor on and off: by the user (enrolment proven by an emailed code,
//! turning off after re-authentication) and by admins (require, reset, require for all).
//! Every change is audited and the user is told by email.

use super::audit::{self, Origin};
use super::notices::{self, Notice};
use super::otp::Purpose;
use super::second_factor;
use super::sessions;
use super::state::AppState;
use super::store::users::UserRecord;
use super::store::{settings, users};
use crate::api::dto::{mask_email, AuditAction};
use crate::api::error::{AppError, Msg};
use crate::domain::two_factor::{self, TwoFactorRefusal};
use crate::i18n::Lang;
use tower_sessions::Session;

const EMAIL: &str = "email";

fn refused(r: TwoFactorRefusal) -> AppError {
    let msg = match r {
        TwoFactorRefusal::AlreadyOn => Msg::TwoFactorAlreadyOn,
        TwoFactorRefusal::AlreadyOff => Msg::TwoFactorAlreadyOff,
        TwoFactorRefusal::Required => Msg::TwoFactorRequired,
        TwoFactorRefusal::NoEmail => Msg::EmailNeeded,
        TwoFactorRefusal::OwnReset => Msg::CannotResetOwnTwoFactor,
    };
    AppError::invalid("two_factor", msg)
}

/// Mails the enrolment code; returns the masked address it went to.
pub async fn start_enrolment(
    state: &AppState,
    user: &UserRecord,
    lang: Lang,
    resend: bool,
) -> Result<String, AppError> {
    two_factor::may_turn_on(user.two_factor(), !user.email.trim().is_empty()).map_err(refused)?;
    second_factor::send_code(state, user, Purpose::Enrol, lang, resend).await?;
    Ok(mask_email(&user.email))
}

/// The code proves the address works: 2FA goes on. The user's other sessions end; this one
/// continues under a new id.
pub async fn confirm_enrolment(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    code: &str,
    origin: &Origin,
    lang: Lang,
) -> Result<(), AppError> {
    two_factor::may_turn_on(user.two_factor(), !user.email.trim().is_empty()).map_err(refused)?;
    second_factor::check_code(state, user.id, Purpose::Enrol, code).await?;
    let version = users::set_two_factor(&state.pool, user.id, Some(EMAIL), state.now())
        .await
        .map_err(AppError::internal)?;
    sessions::renew(session, user.id, version).await?;
    audit::record(state, origin, Some(user.id), AuditAction::TwoFactorOn).await?;
    notices::send(state, user, Notice::TwoFactorOn, lang);
    tracing::info!(user = user.id, "2FA turned on (email)");
    Ok(())
}

/// The user turns their own 2FA off (the caller has checked the re-authentication).
pub async fn turn_off(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    origin: &Origin,
    lang: Lang,
) -> Result<(), AppError> {
    two_factor::may_turn_off(user.two_factor(), user.two_factor_is_required()).map_err(refused)?;
    let version = users::set_two_factor(&state.pool, user.id, None, state.now())
        .await
        .map_err(AppError::internal)?;
    sessions::renew(session, user.id, version).await?;
    audit::record(state, origin, Some(user.id), AuditAction::TwoFactorOff).await?;
    notices::send(state, user, Notice::TwoFactorOff, lang);
    tracing::info!(user = user.id, "2FA turned off");
    Ok(())
}

/// The admin's "Require two-factor authentication" for one user. A signed-in user without
/// 2FA is taken to enrolment at their next request; nobody is signed out.
pub async fn set_required(
    state: &AppState,
    origin: &Origin,
    target: i64,
    required: bool,
) -> Result<(), AppError> {
    let found = users::set_two_factor_required(&state.pool, target, required, state.now())
        .await
        .map_err(AppError::internal)?;
    if !found {
        return Err(AppError::NotFound);
    }
    let action = if required {
        AuditAction::TwoFactorRequired
    } else {
        AuditAction::TwoFactorNotRequired
    };
    audit::record(state, origin, Some(target), action).await
}

/// The admin's "Reset two-factor authentication" (lost mailbox): 2FA off, every session of
/// the user ends. If 2FA is required they enrol again at their next login. Returns the
/// delivery of the user's notice.
pub async fn reset(
    state: &AppState,
    origin: &Origin,
    target: i64,
    lang: Lang,
) -> Result<Option<tokio::task::JoinHandle<()>>, AppError> {
    let user = users::by_id(&state.pool, target)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)?;
    two_factor::may_reset(origin.actor_id, target, user.two_factor()).map_err(refused)?;
    users::set_two_factor(&state.pool, target, None, state.now())
        .await
        .map_err(AppError::internal)?;
    audit::record(state, origin, Some(target), AuditAction::TwoFactorReset).await?;
    let notice = notices::send(state, &user, Notice::TwoFactorReset, lang);
    tracing::info!(by = ?origin.actor_id, user = target, "2FA reset");
    Ok(notice)
}

pub async fn required_for_all(state: &AppState) -> Result<bool, AppError> {
    settings::flag(&state.pool, settings::REQUIRE_TWO_FACTOR)
        .await
        .map_err(AppError::internal)
}

/// "Require two-factor authentication for all users". Users without 2FA (the admin who
/// turns it on included) are taken to enrolment at their next request, not signed out.
pub async fn set_required_for_all(
    state: &AppState,
    origin: &Origin,
    on: bool,
) -> Result<(), AppError> {
    settings::set_flag(&state.pool, settings::REQUIRE_TWO_FACTOR, on)
        .await
        .map_err(AppError::internal)?;
    let action = if on {
        AuditAction::OrgTwoFactorRequired
    } else {
        AuditAction::OrgTwoFactorNotRequired
    };
    audit::record(state, origin, None, action).await
}
