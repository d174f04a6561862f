//! Turning the second factor on, switching and off: by the user (enrolment proven by an
//! emailed code or a code from the new app, turning off after re-authentication, new
//! recovery codes) and by admins (require, reset).
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
use crate::backend::second_factor::{app, email, recovery};
use crate::backend::secrets::Sealed;
use crate::backend::state::AppState;
use crate::backend::store::second_factor as store;
use crate::backend::store::users;
use crate::backend::store::users::UserRecord;
use crate::domain::activesync;
use crate::domain::ids::UserId;
use crate::domain::messages::Msg;
use crate::domain::model::{mask_email, AppEnrolment, AuditAction, Enrolled, Profile};
use crate::domain::two_factor::{self, TwoFactorMethod, TwoFactorRefusal};
use crate::i18n::Lang;

fn refused(r: TwoFactorRefusal) -> Error {
    let msg = match r {
        TwoFactorRefusal::AlreadyOn => Msg::TwoFactorAlreadyOn,
        TwoFactorRefusal::AlreadyOff => Msg::TwoFactorAlreadyOff,
        TwoFactorRefusal::Required => Msg::TwoFactorRequired,
        TwoFactorRefusal::NoEmail => Msg::EmailNeeded,
        TwoFactorRefusal::OwnReset => Msg::CannotResetOwnTwoFactor,
        TwoFactorRefusal::MethodNotAllowed => Msg::MethodNotAllowed,
    };
    Error::invalid("two_factor", msg)
}

fn sync_password_needed() -> Error {
    Error::invalid("two_factor", Msg::SyncPasswordNeededForTwoFactor)
}

/// Whether turning 2FA on must set the sync password in the same step (SPEC 1.3). A switch
/// of method leaves 2FA on: nothing about the devices changes.
fn needs_sync_password(user: &UserRecord) -> bool {
    user.two_factor() == TwoFactorMethod::Off
        && activesync::enrolment_needs_sync_password(
            user.activesync_enabled,
            user.sync_facts().sync_password_set,
        )
}

fn may_turn_on(user: &UserRecord, target: TwoFactorMethod) -> Result<(), Error> {
    let has_email = !user.email.trim().is_empty();
    two_factor::may_turn_on(user.two_factor(), target, has_email, user.method_policy())
        .map_err(refused)
}

/// A switch of method needs a re-authentication with the method the user has now (SPEC 1.3):
/// a proof made before it was turned on (the password alone) does not count. A user made to
/// switch (the organisation allows the app only) proved it at the sign-in a moment ago.
async fn proven_with_current_method(session: &Session, user: &UserRecord) -> Result<(), Error> {
    let current = user.two_factor();
    if current != TwoFactorMethod::Off
        && !user.must_enrol()
        && sessions::reauthenticated_with(session).await? != current
    {
        return Err(Error::ReauthRequired);
    }
    Ok(())
}

/// Holds the sync password typed with the first request of an enrolment (sealed, in the
/// session) until the proof commits it with 2FA; refuses to go on without one when needed.
async fn hold_sync_password(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    typed: Option<NewSyncPassword>,
) -> Result<(), Error> {
    match typed {
        Some(typed) => {
            let sealed = sync_password::checked_and_sealed(state, user, typed).await?;
            sessions::hold_sync_password(session, user.id, sealed).await
        }
        None if needs_sync_password(user)
            && sessions::held_sync_password(session, user.id)
                .await?
                .is_none() =>
        {
            Err(sync_password_needed())
        }
        None => Ok(()),
    }
}

/// The held sync password when one is needed (checked before the code, so a refused request
/// does not use the code up).
async fn held_sync_password(session: &Session, user: &UserRecord) -> Result<Option<Sealed>, Error> {
    if !needs_sync_password(user) {
        return Ok(None);
    }
    Ok(Some(
        sessions::held_sync_password(session, user.id)
            .await?
            .ok_or_else(sync_password_needed)?,
    ))
}

/// Mails the enrolment code; returns the masked address it went to. When ActiveSync needs a
/// dedicated password for this user, it comes with the request (checked like any sync
/// password) and is held sealed in the session until the code commits it together with 2FA.
/// Also the first step of a switch from the app to email.
pub async fn start_enrolment(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    _: &Reauthenticated,
    lang: Lang,
    resend: bool,
    sync_password: Option<NewSyncPassword>,
) -> Result<String, Error> {
    may_turn_on(user, TwoFactorMethod::Email)?;
    proven_with_current_method(session, user).await?;
    hold_sync_password(state, session, user, sync_password).await?;
    email::send_code(state, user, Purpose::Enrol, lang, resend)
        .await?
        .or_too_soon()?;
    Ok(mask_email(&user.email))
}

/// A new authenticator-app secret, held sealed in the session until a code from the app
/// proves it (`confirm_app_enrolment`); returns what the page shows to set the app up. Also
/// the first step of a switch from email to the app.
pub async fn start_app_enrolment(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    _: &Reauthenticated,
    sync_password: Option<NewSyncPassword>,
) -> Result<AppEnrolment, Error> {
    may_turn_on(user, TwoFactorMethod::App)?;
    proven_with_current_method(session, user).await?;
    hold_sync_password(state, session, user, sync_password).await?;
    let secret = app::new_secret();
    sessions::hold_app_secret(session, user.id, app::seal(state, user.id, &secret)).await?;
    app::enrolment(&user.username, &secret)
}

/// Where an enrolment ends up.
struct Enrolment<'a> {
    to: TwoFactorMethod,
    /// The app's secret and the step its proof was accepted for.
    app: Option<(&'a Sealed, i64)>,
    sync_password: Option<&'a Sealed>,
}

/// The code proves the address works: 2FA goes on (or switches to email), with the held sync
/// password when ActiveSync needs one, in one transaction (with their audit rows): there is no
/// state where 2FA is on and the user was never asked for it. The user's other sessions end;
/// this one continues under a new id. `langs`: the user's for mail, the browser's for the
/// answer.
pub async fn confirm_enrolment(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    _: &Reauthenticated,
    code: &str,
    origin: &Origin,
    langs: (Lang, Lang),
) -> Result<Enrolled, Error> {
    let sync_password = prepare(session, user, TwoFactorMethod::Email).await?;
    email::check_code(state, user.id, Purpose::Enrol, code).await?;
    let enrolment = Enrolment {
        to: TwoFactorMethod::Email,
        app: None,
        sync_password: sync_password.as_ref(),
    };
    finish(state, session, user, enrolment, origin, langs).await
}

/// A code from the new app proves it: 2FA goes on with the app (or switches to it), as
/// `confirm_enrolment` does for email.
pub async fn confirm_app_enrolment(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    _: &Reauthenticated,
    code: &str,
    origin: &Origin,
    langs: (Lang, Lang),
) -> Result<Enrolled, Error> {
    let sync_password = prepare(session, user, TwoFactorMethod::App).await?;
    let sealed = sessions::held_app_secret(session, user.id)
        .await?
        // The page was left meanwhile (or another tab started again): start over.
        .ok_or_else(|| Error::invalid("code", Msg::CodeMissing))?;
    let secret = app::open(state, user.id, &sealed)?;
    let step = app::check_new(state, user.id, &secret, code).await?;
    let enrolment = Enrolment {
        to: TwoFactorMethod::App,
        app: Some((&sealed, step)),
        sync_password: sync_password.as_ref(),
    };
    finish(state, session, user, enrolment, origin, langs).await
}

/// What both confirmations check before their proof: the change is allowed, the
/// re-authentication was made with the method the user has now; and the sync password held
/// for the enrolment, if any.
async fn prepare(
    session: &Session,
    user: &UserRecord,
    to: TwoFactorMethod,
) -> Result<Option<Sealed>, Error> {
    may_turn_on(user, to)?;
    proven_with_current_method(session, user).await?;
    held_sync_password(session, user).await
}

/// Commits a proven enrolment, renews this session, tells the user.
async fn finish(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    enrolment: Enrolment<'_>,
    origin: &Origin,
    (lang, browser_lang): (Lang, Lang),
) -> Result<Enrolled, Error> {
    let kept = sessions::kept(session).await?;
    let from = user.two_factor();
    let with_sync_password = enrolment.sync_password.is_some();
    let to = enrolment.to;
    let (version, recovery_codes) = commit_enrolment(state, user, enrolment, kept, origin).await?;
    sessions::drop_held_sync_password(session).await?;
    sessions::drop_held_app_secret(session).await?;
    sessions::renew(session, user.id, version).await?;
    let notice = if from == TwoFactorMethod::Off {
        Notice::TwoFactorOn
    } else {
        Notice::TwoFactorMethodChanged
    };
    notices::send(state, user, notice, lang);
    if with_sync_password {
        notices::send(state, user, Notice::SyncPasswordChanged, lang);
    }
    tracing::info!(user = %user.id, ?from, ?to, with_sync_password, "2FA turned on");
    Ok(Enrolled {
        session: sessions::info(state, session, browser_lang).await?,
        recovery_codes,
    })
}

/// Writes 2FA on (the method, the app's secret, the sync password, recovery codes) with the
/// audit rows, all or nothing. Recovery codes are made when 2FA goes on, and on a switch only
/// if none are left; they are returned to be shown once.
async fn commit_enrolment(
    state: &AppState,
    user: &UserRecord,
    enrolment: Enrolment<'_>,
    kept: Option<String>,
    origin: &Origin,
) -> Result<(i64, Vec<String>), Error> {
    let now = state.now();
    let from = user.two_factor();
    let mut change = audit::Change::begin(state).await?;
    if let Some(sealed) = enrolment.sync_password {
        users::set_sync_password(change.db(), user.id, Some(sealed), now)
            .await
            .map_err(Error::internal)?;
        let action = AuditAction::SyncPasswordChanged;
        change.record(origin, Some(user.id), action).await?;
    }
    let methods = (from.stored(), enrolment.to.stored());
    let version = users::set_two_factor(change.db(), user.id, methods, kept.as_deref(), now)
        .await
        .map_err(Error::internal)?
        // Another request changed it meanwhile: that one is the change (and audited).
        .ok_or_else(|| refused(TwoFactorRefusal::AlreadyOn))?;
    match enrolment.app {
        Some((sealed, step)) => store::set_app_secret(change.db(), user.id, sealed, step, now)
            .await
            .map_err(Error::internal)?,
        None => store::drop_app_secret(change.db(), user.id)
            .await
            .map_err(Error::internal)?,
    }
    // Counted in the transaction, after the user's row is written: a code used meanwhile is
    // seen (the last one used during a switch means a new set).
    let codes_left = store::recovery_codes_left(change.db(), user.id)
        .await
        .map_err(Error::internal)?;
    let recovery_codes = if from == TwoFactorMethod::Off || codes_left == 0 {
        recovery::make_set(state, change.db(), user.id).await?
    } else {
        Vec::new()
    };
    let action = if from == TwoFactorMethod::Off {
        AuditAction::TwoFactorOn
    } else {
        AuditAction::TwoFactorMethodChanged
    };
    change.commit(origin, Some(user.id), action).await?;
    changes::announce(state, Change::User(user.id)).await;
    Ok((version, recovery_codes))
}

/// Clears what a method leaves behind when 2FA goes off: the app's secret, the recovery codes,
/// the count of wrong codes.
async fn clear_factors(change: &mut audit::Change, user_id: UserId) -> Result<(), Error> {
    store::drop_app_secret(change.db(), user_id)
        .await
        .map_err(Error::internal)?;
    store::drop_recovery_codes(change.db(), user_id)
        .await
        .map_err(Error::internal)?;
    store::reset_tries(change.db(), user_id)
        .await
        .map_err(Error::internal)
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
    let methods = (user.two_factor().stored(), None);
    let version =
        users::set_two_factor(change.db(), user.id, methods, kept.as_deref(), state.now())
            .await
            .map_err(Error::internal)?
            .ok_or_else(|| refused(TwoFactorRefusal::AlreadyOff))?;
    clear_factors(&mut change, user.id).await?;
    let action = AuditAction::TwoFactorOff;
    change.commit(origin, Some(user.id), action).await?;
    changes::announce(state, Change::User(user.id)).await;
    sessions::renew(session, user.id, version).await?;
    notices::send(state, user, Notice::TwoFactorOff, lang);
    tracing::info!(user = %user.id, "2FA turned off");
    Ok(())
}

/// "Make new codes": a new set of recovery codes (the old ones stop working), after a
/// re-authentication; returned to be shown once.
pub async fn renew_recovery_codes(
    state: &AppState,
    user: &UserRecord,
    _: &Reauthenticated,
    origin: &Origin,
    lang: Lang,
) -> Result<Vec<String>, Error> {
    if user.two_factor() == TwoFactorMethod::Off {
        return Err(refused(TwoFactorRefusal::AlreadyOff));
    }
    let mut change = audit::Change::begin(state).await?;
    let codes = recovery::make_set(state, change.db(), user.id).await?;
    let action = AuditAction::RecoveryCodesRenewed;
    change.commit(origin, Some(user.id), action).await?;
    changes::announce(state, Change::User(user.id)).await;
    notices::send(state, user, Notice::RecoveryCodesRenewed, lang);
    tracing::info!(user = %user.id, "recovery codes renewed");
    Ok(codes)
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
    let methods = (user.two_factor().stored(), None);
    users::set_two_factor(change.db(), target, methods, None, state.now())
        .await
        .map_err(Error::internal)?
        .ok_or_else(|| refused(TwoFactorRefusal::AlreadyOff))?;
    clear_factors(&mut change, target).await?;
    let action = AuditAction::TwoFactorReset;
    change.commit(origin, Some(target), action).await?;
    tracing::info!(by = ?origin.actor_id, user = %target, "2FA reset");
    Changed::told(state, &user, Notice::TwoFactorReset, lang).await
}
