//! Turning the second factor on and off: by the user (enrolment proven by an emailed code,
//! turning off after re-authentication) and by admins (require, reset, require for all).
//! Every change is audited and the user is told by email.

use super::activesync as backend_activesync;
use super::audit::{self, Origin};
use super::notices::{self, Notice};
use super::otp::Purpose;
use super::second_factor;
use super::secrets::Sealed;
use super::sessions;
use super::state::AppState;
use super::store::users::UserRecord;
use super::store::{settings, users};
use crate::api::dto::{mask_email, AuditAction};
use crate::api::error::{AppError, Msg};
use crate::domain::activesync;
use crate::domain::two_factor::{self, TwoFactorRefusal};
use crate::i18n::Lang;
use tower_sessions::Session;
use zeroize::Zeroizing;

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

/// A new sync password typed in the enrolment dialog: (new, confirm).
pub type SyncPasswordPair = (Zeroizing<String>, Zeroizing<String>);

fn sync_password_needed() -> AppError {
    AppError::invalid("two_factor", Msg::SyncPasswordNeededForTwoFactor)
}

/// Whether turning 2FA on must set the sync password in the same step (SPEC 1.3).
fn needs_sync_password(user: &UserRecord) -> bool {
    activesync::enrolment_needs_sync_password(
        user.activesync_enabled,
        user.sync_facts().sync_password_set,
    )
}

/// Mails the enrolment code; returns the masked address it went to. When ActiveSync needs a
/// dedicated password for this user, it comes with the request (checked like any sync
/// password) and is held sealed in the session until the code commits it together with 2FA.
pub async fn start_enrolment(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    lang: Lang,
    resend: bool,
    sync_password: Option<SyncPasswordPair>,
) -> Result<String, AppError> {
    two_factor::may_turn_on(user.two_factor(), !user.email.trim().is_empty()).map_err(refused)?;
    match sync_password {
        Some((new, confirm)) => {
            let sealed = backend_activesync::checked_and_sealed(state, user, new, confirm).await?;
            sessions::hold_sync_password(session, user.id, sealed).await?;
        }
        None if needs_sync_password(user)
            && sessions::held_sync_password(session, user.id)
                .await?
                .is_none() =>
        {
            return Err(sync_password_needed());
        }
        None => {}
    }
    second_factor::send_code(state, user, Purpose::Enrol, lang, resend)
        .await?
        .or_too_soon()?;
    Ok(mask_email(&user.email))
}

/// The code proves the address works: 2FA goes on, with the held sync password when ActiveSync
/// needs one, in one transaction (with their audit rows): there is no state where 2FA is on
/// and the user was never asked for it. The user's other sessions end; this one continues
/// under a new id.
pub async fn confirm_enrolment(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    code: &str,
    origin: &Origin,
    lang: Lang,
) -> Result<(), AppError> {
    two_factor::may_turn_on(user.two_factor(), !user.email.trim().is_empty()).map_err(refused)?;
    let sync_password = if needs_sync_password(user) {
        // Checked before the code, so a refused request does not use the code up.
        Some(
            sessions::held_sync_password(session, user.id)
                .await?
                .ok_or_else(sync_password_needed)?,
        )
    } else {
        None
    };
    second_factor::check_code(state, user.id, Purpose::Enrol, code).await?;
    let version = commit_enrolment(state, user.id, sync_password.as_ref(), origin).await?;
    sessions::drop_held_sync_password(session).await?;
    sessions::renew(session, user.id, version).await?;
    notices::send(state, user, Notice::TwoFactorOn, lang);
    if sync_password.is_some() {
        notices::send(state, user, Notice::SyncPasswordChanged, lang);
    }
    tracing::info!(
        user = user.id,
        with_sync_password = sync_password.is_some(),
        "2FA turned on (email)"
    );
    Ok(())
}

/// Writes 2FA on (and the sync password) with the audit rows, all or nothing.
async fn commit_enrolment(
    state: &AppState,
    user_id: i64,
    sync_password: Option<&Sealed>,
    origin: &Origin,
) -> Result<i64, AppError> {
    let now = state.now();
    let mut tx = state.pool.begin().await.map_err(AppError::internal)?;
    if let Some(sealed) = sync_password {
        users::set_sync_password(&mut *tx, user_id, Some(sealed), now)
            .await
            .map_err(AppError::internal)?;
        audit::record_in(
            &mut *tx,
            now,
            origin,
            Some(user_id),
            AuditAction::SyncPasswordChanged,
        )
        .await?;
    }
    let version = users::set_two_factor(&mut *tx, user_id, Some(EMAIL), now)
        .await
        .map_err(AppError::internal)?;
    audit::record_in(
        &mut *tx,
        now,
        origin,
        Some(user_id),
        AuditAction::TwoFactorOn,
    )
    .await?;
    tx.commit().await.map_err(AppError::internal)?;
    state.credentials.bump_user(user_id);
    Ok(version)
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
    state.credentials.bump_user(user.id);
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
    audit::record_switch(
        state,
        origin,
        Some(target),
        required,
        [
            AuditAction::TwoFactorRequired,
            AuditAction::TwoFactorNotRequired,
        ],
    )
    .await
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
    state.credentials.bump_user(target);
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
    audit::record_switch(
        state,
        origin,
        None,
        on,
        [
            AuditAction::OrgTwoFactorRequired,
            AuditAction::OrgTwoFactorNotRequired,
        ],
    )
    .await
}
