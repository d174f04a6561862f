//! A user's own account: their login password, their email address (changed by a code sent
//! to the new one) and their language.

use crate::backend::audit::{self, Origin};
use crate::backend::changes::{self, Change};
use crate::backend::error::Error;
use crate::backend::identity::proofs::Reauthenticated;
use crate::backend::identity::sessions::{self, Session};
use crate::backend::mail::notices::{self, Notice};
use crate::backend::second_factor::{self, Purpose};
use crate::backend::state::AppState;
use crate::backend::store::users::{self, UserRecord};
use crate::domain::messages::Msg;
use crate::domain::model::{mask_email, AuditAction, SessionInfo};
use crate::domain::two_factor;
use crate::domain::validation;
use crate::i18n::Lang;
use zeroize::Zeroizing;

/// A new login password as typed twice in a form.
pub struct NewPassword {
    pub new: Zeroizing<String>,
    pub confirm: Zeroizing<String>,
}

/// The user's language (`None`: follow the browser). Returns the session as it now reads.
pub async fn set_language(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    lang: Option<Lang>,
    browser_lang: Lang,
) -> Result<SessionInfo, Error> {
    users::set_language(&state.pool, user.id, lang)
        .await
        .map_err(Error::internal)?;
    sessions::info(state, session, browser_lang).await
}

/// The user's own password change, after a fresh re-authentication (checked by the
/// caller). Every other session of the user ends; this one continues under a new id.
pub async fn change_own_password(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    _: &Reauthenticated,
    origin: &Origin,
    typed: NewPassword,
    lang: Lang,
) -> Result<(), Error> {
    set_own_password(state, session, user, origin, typed, lang).await
}

async fn set_own_password(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    origin: &Origin,
    typed: NewPassword,
    lang: Lang,
) -> Result<(), Error> {
    let NewPassword { new, confirm } = typed;
    validation::login_password(&new, &user.username)
        .map_err(|m| Error::invalid("new_password", m))?;
    validation::confirmation(&new, &confirm).map_err(|m| Error::invalid("confirm_password", m))?;
    let unchanged = state
        .hasher
        .verify(new.clone(), Some(user.hash()))
        .await
        .map_err(Error::internal)?;
    if unchanged {
        return Err(Error::invalid("new_password", Msg::PasswordUnchanged));
    }
    refuse_sync_password(state, user, &new, "new_password")?;
    let hash = state.hasher.hash(new).await.map_err(Error::internal)?;
    let kept = sessions::kept(session).await?;
    let mut change = audit::Change::begin(state).await?;
    let version = users::set_password(
        change.db(),
        user.id,
        &hash,
        false,
        kept.as_deref(),
        state.now(),
    )
    .await
    .map_err(Error::internal)?;
    let action = AuditAction::PasswordChanged;
    change.commit(origin, Some(user.id), action).await?;
    changes::announce(state, Change::User(user.id)).await;
    sessions::renew(session, user.id, version).await?;
    notices::send(state, user, Notice::PasswordChanged, lang);
    tracing::info!(user = %user.id, "login password changed");
    Ok(())
}

/// The first password of the user's own choosing, replacing a one-time one; refused when the
/// current password is not a one-time one (that is `change_own_password`, after re-auth).
/// The one-time password proven at sign-in is the proof. `langs`: the user's for mail, the
/// browser's for the answer.
pub async fn choose_password(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    origin: &Origin,
    typed: NewPassword,
    (lang, browser_lang): (Lang, Lang),
) -> Result<SessionInfo, Error> {
    if !user.must_change_password {
        return Err(Error::Forbidden);
    }
    set_own_password(state, session, user, origin, typed, lang).await?;
    sessions::info(state, session, browser_lang).await
}

/// The user's own email address (where codes and notices go), after a fresh
/// re-authentication. Fixed while it carries the second factor. Nothing changes yet: a code
/// goes to the new address, and `confirm_email_change` makes it the user's once typed back
/// (a typo, or someone else's address, never becomes where security mail goes). Returns the
/// masked new address.
pub async fn start_email_change(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    _: &Reauthenticated,
    email: &str,
    resend: bool,
    lang: Lang,
) -> Result<String, Error> {
    two_factor::may_change_email(user.two_factor())
        .map_err(|_| Error::invalid("email", Msg::EmailFixedByTwoFactor))?;
    let email = validation::email(email).map_err(|m| Error::invalid("email", m))?;
    if email == user.email {
        return Err(Error::invalid("email", Msg::EmailUnchanged));
    }
    if users::email_used_by_other(&state.pool, &email, user.id)
        .await
        .map_err(Error::internal)?
    {
        // Two accounts on one address would leave neither reachable as `user@domain`.
        return Err(Error::invalid("email", Msg::EmailTaken));
    }
    // Another address than the one awaiting its code needs a code of its own.
    let other = sessions::held_new_email(session, user.id).await?.as_deref() != Some(&email);
    let sent = second_factor::send_code_to(
        state,
        user,
        &email,
        Purpose::EmailChange,
        lang,
        resend || other,
    )
    .await?;
    if resend || other {
        sent.or_too_soon()?;
    }
    sessions::hold_new_email(session, user.id, &email).await?;
    Ok(mask_email(&email))
}

/// The code from the new address: it becomes the user's, the old address is told.
pub async fn confirm_email_change(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    origin: &Origin,
    code: &str,
    lang: Lang,
) -> Result<(), Error> {
    two_factor::may_change_email(user.two_factor())
        .map_err(|_| Error::invalid("email", Msg::EmailFixedByTwoFactor))?;
    let email = sessions::held_new_email(session, user.id)
        .await?
        .ok_or_else(|| Error::invalid("code", Msg::CodeMissing))?;
    second_factor::check_bound_code(state, user.id, Purpose::EmailChange, &email, code).await?;
    let kept = sessions::kept(session).await?;
    let mut change = audit::Change::begin(state).await?;
    let version = users::set_email(change.db(), user.id, &email, kept.as_deref(), state.now())
        .await
        .map_err(Error::internal)?;
    let action = AuditAction::EmailChanged;
    change.commit(origin, Some(user.id), action).await?;
    // Checks cached under the old address go; a name that matched nobody may match now.
    changes::announce(state, Change::User(user.id)).await;
    changes::announce(state, Change::Names).await;
    sessions::drop_new_email(session).await?;
    sessions::renew(session, user.id, version).await?;
    // To the old address (if any): whoever changed it is not necessarily its owner.
    notices::send(state, user, Notice::EmailChanged, lang);
    tracing::info!(user = %user.id, "email changed");
    Ok(())
}

/// A login password equal to the sync password would open the door of a 2FA user and show in
/// clear in the sync-password dialog: refused on every path that sets one.
pub(super) fn refuse_sync_password(
    state: &AppState,
    user: &UserRecord,
    candidate: &str,
    field: &'static str,
) -> Result<(), Error> {
    if crate::backend::activesync::sync_password::is_sync_password(state, user, candidate) {
        return Err(Error::invalid(field, Msg::PasswordSameAsSync));
    }
    Ok(())
}
