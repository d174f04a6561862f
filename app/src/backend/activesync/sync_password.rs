//! The dedicated ActiveSync password and the switches around it (SPEC 1.2): viewing and
//! changing it (after a re-authentication, whose proof it takes), removing it while 2FA is off,
//! the admin's "Enable ActiveSync" and "Clear", and the organisation's service switch.
//! Admins never read another user's sync password: nothing here returns it to anyone but the
//! owner's own request.

use crate::backend::audit::{self, Origin};
use crate::backend::changes::{self, Change};
use crate::backend::error::Error;
use crate::backend::identity::passwords::random_password;
use crate::backend::identity::proofs::{Admin, Reauthenticated};
use crate::backend::identity::views::{self, Changed};
use crate::backend::mail::notices::{self, Notice};
use crate::backend::secrets::Sealed;
use crate::backend::state::AppState;
use crate::backend::store::users::{self, UserRecord};
use crate::domain::activesync;
use crate::domain::ids::UserId;
use crate::domain::messages::Msg;
use crate::domain::model::{AuditAction, Profile, SyncPasswordView};
use crate::domain::validation;
use crate::i18n::Lang;
use zeroize::Zeroizing;

fn require_enabled(user: &UserRecord) -> Result<(), Error> {
    if user.activesync_enabled {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// The owner's sync password in clear, for the response that shows it only.
pub fn view(
    state: &AppState,
    user: &UserRecord,
    _: &Reauthenticated,
) -> Result<SyncPasswordView, Error> {
    require_enabled(user)?;
    let current = match user.sealed_sync_password() {
        None => None,
        Some(sealed) => Some(
            state
                .secrets
                .open(user.id, &sealed)
                .map_err(Error::internal)?
                .to_string(),
        ),
    };
    Ok(SyncPasswordView { current })
}

/// Whether `candidate` is the user's sync password (constant-time compare).
pub fn is_sync_password(state: &AppState, user: &UserRecord, candidate: &str) -> bool {
    use subtle::ConstantTimeEq;
    let Some(sealed) = user.sealed_sync_password() else {
        return false;
    };
    match state.secrets.open(user.id, &sealed) {
        Ok(sync) => bool::from(sync.as_bytes().ct_eq(candidate.as_bytes())),
        Err(e) => {
            tracing::error!(user = %user.id, "cannot open the sync password: {e}");
            false
        }
    }
}

/// A strong random suggestion for "Generate" (not stored).
pub fn generate() -> String {
    random_password(20)
}

/// A new sync password as typed twice in a form.
pub struct NewSyncPassword {
    pub new: Zeroizing<String>,
    pub confirm: Zeroizing<String>,
}

/// Checks a new sync password (at least 12 characters, confirmed, not the login password) and
/// seals it for `user`.
pub async fn checked_and_sealed(
    state: &AppState,
    user: &UserRecord,
    typed: NewSyncPassword,
) -> Result<Sealed, Error> {
    let NewSyncPassword { new, confirm } = typed;
    require_enabled(user)?;
    validation::sync_password(&new, &confirm).map_err(|(field, m)| Error::invalid(field, m))?;
    let same_as_login = state
        .hasher
        .verify(new.clone(), Some(user.hash()))
        .await
        .map_err(Error::internal)?;
    if same_as_login {
        return Err(Error::invalid(
            "new_sync_password",
            Msg::SyncPasswordSameAsLogin,
        ));
    }
    Ok(state.secrets.seal(user.id, &new))
}

/// Sets a new sync password.
pub async fn change(
    state: &AppState,
    user: &UserRecord,
    _: &Reauthenticated,
    origin: &Origin,
    typed: NewSyncPassword,
    lang: Lang,
) -> Result<(), Error> {
    let sealed = checked_and_sealed(state, user, typed).await?;
    let mut change = audit::Change::begin(state).await?;
    users::set_sync_password(change.db(), user.id, Some(&sealed), state.now())
        .await
        .map_err(Error::internal)?;
    let action = AuditAction::SyncPasswordChanged;
    change.commit(origin, Some(user.id), action).await?;
    changes::announce(state, Change::User(user.id)).await;
    notices::send(state, user, Notice::SyncPasswordChanged, lang);
    tracing::info!(user = %user.id, "sync password changed");
    Ok(())
}

/// The owner removes it (devices go back to the login password); refused while 2FA is on.
pub async fn remove(
    state: &AppState,
    user: &UserRecord,
    _: &Reauthenticated,
    origin: &Origin,
) -> Result<(), Error> {
    require_enabled(user)?;
    let two_factor = user.sync_facts().two_factor;
    if !activesync::may_remove_sync_password(two_factor) {
        return Err(Error::invalid(
            "sync_password",
            Msg::SyncPasswordNeededWithTwoFactor,
        ));
    }
    let mut change = audit::Change::begin(state).await?;
    users::set_sync_password(change.db(), user.id, None, state.now())
        .await
        .map_err(Error::internal)?;
    let action = AuditAction::SyncPasswordRemoved;
    change.commit(origin, Some(user.id), action).await?;
    changes::announce(state, Change::User(user.id)).await;
    Ok(())
}

/// The admin's "Enable ActiveSync" for one user. Returns their profile after it.
pub async fn set_enabled(
    state: &AppState,
    _: &Admin,
    origin: &Origin,
    target: UserId,
    enabled: bool,
) -> Result<Profile, Error> {
    let mut change = audit::Change::begin(state).await?;
    let found = users::set_activesync_enabled(change.db(), target, enabled, state.now())
        .await
        .map_err(Error::internal)?;
    if !found {
        return Err(Error::NotFound);
    }
    let action = audit::switch(
        enabled,
        [
            AuditAction::ActiveSyncEnabled,
            AuditAction::ActiveSyncDisabled,
        ],
    );
    change.commit(origin, Some(target), action).await?;
    changes::announce(state, Change::User(target)).await;
    views::profile(state, target).await
}

/// The admin's "Clear ActiveSync password": removed, audited, the user told.
pub async fn clear(
    state: &AppState,
    _: &Admin,
    _: &Reauthenticated,
    origin: &Origin,
    target: UserId,
    lang: Lang,
) -> Result<Changed, Error> {
    let user = views::record(state, target).await?;
    let mut change = audit::Change::begin(state).await?;
    users::set_sync_password(change.db(), target, None, state.now())
        .await
        .map_err(Error::internal)?;
    let action = AuditAction::SyncPasswordCleared;
    change.commit(origin, Some(target), action).await?;
    Changed::told(state, &user, Notice::SyncPasswordCleared, lang).await
}
