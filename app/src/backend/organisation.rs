//! The organisation-wide switches on /admin/settings: "require two-factor authentication for
//! all users" and the ActiveSync service. Admins only; each change is audited with it.

use crate::backend::audit::{self, Origin};
use crate::backend::changes::{self, Change};
use crate::backend::error::Error;
use crate::backend::identity::proofs::{Admin, Reauthenticated};
use crate::backend::state::AppState;
use crate::backend::store::settings;
use crate::domain::model::{AuditAction, OrgSettings};

pub async fn settings(state: &AppState, _: &Admin) -> Result<OrgSettings, Error> {
    current(state).await
}

async fn current(state: &AppState) -> Result<OrgSettings, Error> {
    let pool = &state.pool;
    Ok(OrgSettings {
        require_two_factor: settings::flag(pool, settings::REQUIRE_TWO_FACTOR)
            .await
            .map_err(Error::internal)?,
        activesync_service: settings::flag_default_on(pool, settings::ACTIVESYNC_SERVICE)
            .await
            .map_err(Error::internal)?,
        app_only: settings::flag(pool, settings::TWO_FACTOR_APP_ONLY)
            .await
            .map_err(Error::internal)?,
    })
}

/// The "ActiveSync service" switch: off, the door refuses everyone.
pub async fn set_activesync_service(
    state: &AppState,
    _: &Admin,
    origin: &Origin,
    on: bool,
) -> Result<OrgSettings, Error> {
    let mut change = audit::Change::begin(state).await?;
    settings::set_flag(change.db(), settings::ACTIVESYNC_SERVICE, on)
        .await
        .map_err(Error::internal)?;
    let action = audit::switch(
        on,
        [AuditAction::OrgActiveSyncOn, AuditAction::OrgActiveSyncOff],
    );
    change.commit(origin, None, action).await?;
    changes::announce(state, Change::Policy).await;
    current(state).await
}

/// "Require two-factor authentication for all users". Users without 2FA (the admin who
/// turns it on included) are taken to enrolment at their next request, not signed out.
/// Lifting it weakens every account: it takes a fresh re-authentication.
pub async fn set_require_two_factor(
    state: &AppState,
    _: &Admin,
    reauth: Option<&Reauthenticated>,
    origin: &Origin,
    on: bool,
) -> Result<OrgSettings, Error> {
    if !on && reauth.is_none() {
        return Err(Error::ReauthRequired);
    }
    let mut change = audit::Change::begin(state).await?;
    settings::set_flag(change.db(), settings::REQUIRE_TWO_FACTOR, on)
        .await
        .map_err(Error::internal)?;
    let action = audit::switch(
        on,
        [
            AuditAction::OrgTwoFactorRequired,
            AuditAction::OrgTwoFactorNotRequired,
        ],
    );
    change.commit(origin, None, action).await?;
    current(state).await
}

/// "Two-factor method": the authenticator app only, or any. Users on email are taken to set
/// up the app at their next request. Allowing email again weakens accounts: it takes a
/// fresh re-authentication.
pub async fn set_app_only(
    state: &AppState,
    _: &Admin,
    reauth: Option<&Reauthenticated>,
    origin: &Origin,
    app_only: bool,
) -> Result<OrgSettings, Error> {
    if !app_only && reauth.is_none() {
        return Err(Error::ReauthRequired);
    }
    let mut change = audit::Change::begin(state).await?;
    settings::set_flag(change.db(), settings::TWO_FACTOR_APP_ONLY, app_only)
        .await
        .map_err(Error::internal)?;
    let action = audit::switch(
        app_only,
        [
            AuditAction::OrgTwoFactorAppOnly,
            AuditAction::OrgTwoFactorAnyMethod,
        ],
    );
    change.commit(origin, None, action).await?;
    changes::announce(state, Change::Policy).await;
    current(state).await
}
