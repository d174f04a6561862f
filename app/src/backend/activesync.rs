//! The dedicated ActiveSync password and the switches around it (SPEC 1.2): viewing and
//! changing it (the caller has checked the re-authentication), removing it while 2FA is off,
//! the admin's "Enable ActiveSync" and "Clear", and the organisation's service switch.
//! Admins never read another user's sync password: nothing here returns it to anyone but the
//! owner's own request.

use super::accounts::random_password;
use super::audit::{self, Origin};
use super::notices::{self, Notice};
use super::secrets::Sealed;
use super::state::AppState;
use super::store::settings;
use super::store::users::{self, UserRecord};
use crate::api::dto::{AuditAction, SyncPasswordView};
use crate::api::error::{AppError, Msg};
use crate::domain::activesync;
use crate::domain::validation;
use crate::i18n::Lang;
use zeroize::Zeroizing;

fn require_enabled(user: &UserRecord) -> Result<(), AppError> {
    if user.activesync_enabled {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The owner's sync password in clear, for the response that shows it only.
pub fn view(state: &AppState, user: &UserRecord) -> Result<SyncPasswordView, AppError> {
    require_enabled(user)?;
    let current = match user.sealed_sync_password() {
        None => None,
        Some(sealed) => Some(
            state
                .secrets
                .open(user.id, &sealed)
                .map_err(AppError::internal)?
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
            tracing::error!(user = user.id, "cannot open the sync password: {e}");
            false
        }
    }
}

/// A strong random suggestion for "Generate" (not stored).
pub fn generate() -> String {
    random_password(20)
}

/// Checks a new sync password (at least 12 characters, confirmed, not the login password) and
/// seals it for `user`.
pub async fn checked_and_sealed(
    state: &AppState,
    user: &UserRecord,
    new: Zeroizing<String>,
    confirm: Zeroizing<String>,
) -> Result<Sealed, AppError> {
    require_enabled(user)?;
    validation::sync_password(&new, &confirm).map_err(|(field, m)| AppError::invalid(field, m))?;
    let same_as_login = state
        .hasher
        .verify(new.clone(), Some(user.hash()))
        .await
        .map_err(AppError::internal)?;
    if same_as_login {
        return Err(AppError::invalid(
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
    origin: &Origin,
    new: Zeroizing<String>,
    confirm: Zeroizing<String>,
    lang: Lang,
) -> Result<(), AppError> {
    let sealed = checked_and_sealed(state, user, new, confirm).await?;
    users::set_sync_password(&state.pool, user.id, Some(&sealed), state.now())
        .await
        .map_err(AppError::internal)?;
    state.credentials.bump_user(user.id);
    audit::record(
        state,
        origin,
        Some(user.id),
        AuditAction::SyncPasswordChanged,
    )
    .await?;
    notices::send(state, user, Notice::SyncPasswordChanged, lang);
    tracing::info!(user = user.id, "sync password changed");
    Ok(())
}

/// The owner removes it (devices go back to the login password); refused while 2FA is on.
pub async fn remove(state: &AppState, user: &UserRecord, origin: &Origin) -> Result<(), AppError> {
    require_enabled(user)?;
    let two_factor = user.sync_facts().two_factor;
    if !activesync::may_remove_sync_password(two_factor) {
        return Err(AppError::invalid(
            "sync_password",
            Msg::SyncPasswordNeededWithTwoFactor,
        ));
    }
    users::set_sync_password(&state.pool, user.id, None, state.now())
        .await
        .map_err(AppError::internal)?;
    state.credentials.bump_user(user.id);
    audit::record(
        state,
        origin,
        Some(user.id),
        AuditAction::SyncPasswordRemoved,
    )
    .await
}

/// The admin's "Enable ActiveSync" for one user.
pub async fn set_enabled(
    state: &AppState,
    origin: &Origin,
    target: i64,
    enabled: bool,
) -> Result<(), AppError> {
    let found = users::set_activesync_enabled(&state.pool, target, enabled, state.now())
        .await
        .map_err(AppError::internal)?;
    state.credentials.bump_user(target);
    if !found {
        return Err(AppError::NotFound);
    }
    audit::record_switch(
        state,
        origin,
        Some(target),
        enabled,
        [
            AuditAction::ActiveSyncEnabled,
            AuditAction::ActiveSyncDisabled,
        ],
    )
    .await
}

/// The admin's "Clear ActiveSync password": removed, audited, the user told. Returns the
/// delivery of the user's notice.
pub async fn clear(
    state: &AppState,
    origin: &Origin,
    target: i64,
    lang: Lang,
) -> Result<Option<tokio::task::JoinHandle<()>>, AppError> {
    let user = users::by_id(&state.pool, target)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)?;
    users::set_sync_password(&state.pool, target, None, state.now())
        .await
        .map_err(AppError::internal)?;
    state.credentials.bump_user(target);
    audit::record(
        state,
        origin,
        Some(target),
        AuditAction::SyncPasswordCleared,
    )
    .await?;
    Ok(notices::send(
        state,
        &user,
        Notice::SyncPasswordCleared,
        lang,
    ))
}

pub async fn service_on(state: &AppState) -> Result<bool, AppError> {
    settings::flag_default_on(&state.pool, settings::ACTIVESYNC_SERVICE)
        .await
        .map_err(AppError::internal)
}

/// The organisation's "ActiveSync service" switch.
pub async fn set_service(state: &AppState, origin: &Origin, on: bool) -> Result<(), AppError> {
    settings::set_flag(&state.pool, settings::ACTIVESYNC_SERVICE, on)
        .await
        .map_err(AppError::internal)?;
    state.credentials.bump_policy();
    audit::record_switch(
        state,
        origin,
        None,
        on,
        [AuditAction::OrgActiveSyncOn, AuditAction::OrgActiveSyncOff],
    )
    .await
}
