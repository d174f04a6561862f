//! Turning the second factor on and off: by the user (enrolment proven by an emailed code,
//! turning off after re-authentication) and by admins (require, reset, require for all).
//! Every change is audited and the user is told by email.

use crate::backend::activesync::sync_password::{self, NewSyncPassword};
use crate::backend::audit::{self, Origin};
use crate::backend::changes::{self, Change};
use crate::backend::error::Error;
use crate::backend::identity::proofs::{Admin, Reauthenticated};
use crate::backend::identity::sessions;
use crate::backend::identity::sessions::Session;
use crate::backend::identity::views::{self, Changed};
use crate::backend::mail::notices::{self, Notice};
use crate::backend::second_factor::codes::Purpose;
use crate::backend::second_factor::email;
use crate::backend::secrets::Sealed;
use crate::backend::state::AppState;
use crate::backend::store::users;
use crate::backend::store::users::UserRecord;
use crate::domain::activesync;
use crate::domain::ids::UserId;
use crate::domain::messages::Msg;
use crate::domain::model::{mask_email, AuditAction, Profile, SessionInfo};
use crate::domain::two_factor::{self, TwoFactorRefusal};
use crate::i18n::Lang;

const EMAIL: &str = "email";

fn refused(r: TwoFactorRefusal) -> Error {
    let msg = match r {
        TwoFactorRefusal::AlreadyOn => Msg::TwoFactorAlreadyOn,
        TwoFactorRefusal::AlreadyOff => Msg::TwoFactorAlreadyOff,
        TwoFactorRefusal::Required => Msg::TwoFactorRequired,
        TwoFactorRefusal::NoEmail => Msg::EmailNeeded,
        TwoFactorRefusal::OwnReset => Msg::CannotResetOwnTwoFactor,
    };
    Error::invalid("two_factor", msg)
}

fn sync_password_needed() -> Error {
    Error::invalid("two_factor", Msg::SyncPasswordNeededForTwoFactor)
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
    _: &Reauthenticated,
    lang: Lang,
    resend: bool,
    sync_password: Option<NewSyncPassword>,
) -> Result<String, Error> {
    two_factor::may_turn_on(user.two_factor(), !user.email.trim().is_empty()).map_err(refused)?;
    match sync_password {
        Some(typed) => {
            let sealed = sync_password::checked_and_sealed(state, user, typed).await?;
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
    email::send_code(state, user, Purpose::Enrol, lang, resend)
        .await?
        .or_too_soon()?;
    Ok(mask_email(&user.email))
}

/// The code proves the address works: 2FA goes on, with the held sync password when ActiveSync
/// needs one, in one transaction (with their audit rows): there is no state where 2FA is on
/// and the user was never asked for it. The user's other sessions end; this one continues
/// under a new id. `langs`: the user's for mail, the browser's for the answer.
pub async fn confirm_enrolment(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    _: &Reauthenticated,
    code: &str,
    origin: &Origin,
    (lang, browser_lang): (Lang, Lang),
) -> Result<SessionInfo, Error> {
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
    email::check_code(state, user.id, Purpose::Enrol, code).await?;
    let kept = sessions::kept(session).await?;
    let version = commit_enrolment(state, user.id, sync_password.as_ref(), kept, origin).await?;
    sessions::drop_held_sync_password(session).await?;
    sessions::renew(session, user.id, version).await?;
    notices::send(state, user, Notice::TwoFactorOn, lang);
    if sync_password.is_some() {
        notices::send(state, user, Notice::SyncPasswordChanged, lang);
    }
    tracing::info!(
        user = %user.id,
        with_sync_password = sync_password.is_some(),
        "2FA turned on (email)"
    );
    sessions::info(state, session, browser_lang).await
}

/// Writes 2FA on (and the sync password) with the audit rows, all or nothing.
async fn commit_enrolment(
    state: &AppState,
    user_id: UserId,
    sync_password: Option<&Sealed>,
    kept: Option<String>,
    origin: &Origin,
) -> Result<i64, Error> {
    let now = state.now();
    let mut change = audit::Change::begin(state).await?;
    if let Some(sealed) = sync_password {
        users::set_sync_password(change.db(), user_id, Some(sealed), now)
            .await
            .map_err(Error::internal)?;
        let action = AuditAction::SyncPasswordChanged;
        change.record(origin, Some(user_id), action).await?;
    }
    let version = users::set_two_factor(change.db(), user_id, Some(EMAIL), kept.as_deref(), now)
        .await
        .map_err(Error::internal)?
        // Another request turned it on meanwhile: that one is the change (and audited).
        .ok_or_else(|| refused(TwoFactorRefusal::AlreadyOn))?;
    change
        .commit(origin, Some(user_id), AuditAction::TwoFactorOn)
        .await?;
    changes::announce(state, Change::User(user_id)).await;
    Ok(version)
}

/// The user turns their own 2FA off, after a re-authentication.
pub async fn turn_off(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    _: &Reauthenticated,
    origin: &Origin,
    lang: Lang,
) -> Result<(), Error> {
    two_factor::may_turn_off(user.two_factor(), user.two_factor_is_required()).map_err(refused)?;
    let kept = sessions::kept(session).await?;
    let mut change = audit::Change::begin(state).await?;
    let version = users::set_two_factor(change.db(), user.id, None, kept.as_deref(), state.now())
        .await
        .map_err(Error::internal)?
        .ok_or_else(|| refused(TwoFactorRefusal::AlreadyOff))?;
    let action = AuditAction::TwoFactorOff;
    change.commit(origin, Some(user.id), action).await?;
    changes::announce(state, Change::User(user.id)).await;
    sessions::renew(session, user.id, version).await?;
    notices::send(state, user, Notice::TwoFactorOff, lang);
    tracing::info!(user = %user.id, "2FA turned off");
    Ok(())
}

/// The admin's "Require two-factor authentication" for one user. A signed-in user without
/// 2FA is taken to enrolment at their next request; nobody is signed out. Lifting it
/// weakens the account: it takes the admin's fresh re-authentication.
pub async fn set_required(
    state: &AppState,
    _: &Admin,
    reauth: Option<&Reauthenticated>,
    origin: &Origin,
    target: UserId,
    required: bool,
) -> Result<Profile, Error> {
    if !required && reauth.is_none() {
        return Err(Error::ReauthRequired);
    }
    let mut change = audit::Change::begin(state).await?;
    let found = users::set_two_factor_required(change.db(), target, required, state.now())
        .await
        .map_err(Error::internal)?;
    if !found {
        return Err(Error::NotFound);
    }
    let action = audit::switch(
        required,
        [
            AuditAction::TwoFactorRequired,
            AuditAction::TwoFactorNotRequired,
        ],
    );
    change.commit(origin, Some(target), action).await?;
    views::profile(state, target).await
}

/// The admin's "Reset two-factor authentication" (lost mailbox): 2FA off, every session of
/// the user ends. If 2FA is required they enrol again at their next login.
pub async fn reset(
    state: &AppState,
    _: &Admin,
    _: &Reauthenticated,
    origin: &Origin,
    target: UserId,
    lang: Lang,
) -> Result<Changed, Error> {
    let user = views::record(state, target).await?;
    two_factor::may_reset(origin.actor_id, target, user.two_factor()).map_err(refused)?;
    let mut change = audit::Change::begin(state).await?;
    users::set_two_factor(change.db(), target, None, None, state.now())
        .await
        .map_err(Error::internal)?
        .ok_or_else(|| refused(TwoFactorRefusal::AlreadyOff))?;
    let action = AuditAction::TwoFactorReset;
    change.commit(origin, Some(target), action).await?;
    tracing::info!(by = ?origin.actor_id, user = %target, "2FA reset");
    Changed::told(state, &user, Notice::TwoFactorReset, lang).await
}
