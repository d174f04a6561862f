//! `rotate-key`: every stored secret re-encrypted under the key file's new current key, while
//! the server keeps running (it reads the new key file on its own; see `SecretBox`).

use crate::backend::audit::{self, Origin};
use crate::backend::error::Error;
use crate::backend::secrets::Sealed;
use crate::backend::state::AppState;
use crate::backend::store::mail_settings::{self, Secret, ORGANISATION};
use crate::backend::store::{second_factor, users};
use crate::domain::ids::UserId;
use crate::domain::model::AuditAction;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Resealed {
    /// Re-encrypted under the current key.
    pub moved: usize,
    /// Already under the current key.
    pub current: usize,
    /// Changed by their owner meanwhile (so already sealed under a loaded key).
    pub changed: usize,
    /// Owners whose secret no loaded key opens (damaged, or sealed under a key that is gone).
    pub unreadable: Vec<UserId>,
}

/// The kinds of sealed secret: a user's two, and the organisation's mail secrets.
#[derive(Clone, Copy, Debug)]
enum Kind {
    SyncPassword,
    AppSecret,
    Mail(Secret),
}

const KINDS: [Kind; 4] = [
    Kind::SyncPassword,
    Kind::AppSecret,
    Kind::Mail(Secret::Password),
    Kind::Mail(Secret::ClientSecret),
];

async fn sealed(state: &AppState, kind: Kind) -> Result<Vec<(UserId, Sealed)>, Error> {
    match kind {
        Kind::SyncPassword => users::sealed_sync_passwords(&state.pool).await,
        Kind::AppSecret => second_factor::sealed_app_secrets(&state.pool).await,
        Kind::Mail(which) => mail_settings::sealed_secrets(&state.pool).await.map(|all| {
            all.into_iter()
                .filter(|(w, _)| *w == which)
                .map(|(_, s)| (ORGANISATION, s))
                .collect()
        }),
    }
    .map_err(Error::internal)
}

async fn replace(
    state: &AppState,
    kind: Kind,
    owner: UserId,
    old: &Sealed,
    new: &Sealed,
) -> Result<bool, Error> {
    match kind {
        Kind::SyncPassword => users::reseal_sync_password(&state.pool, owner, old, new).await,
        Kind::AppSecret => second_factor::reseal_app_secret(&state.pool, owner, old, new).await,
        Kind::Mail(which) => mail_settings::reseal(&state.pool, which, old, new).await,
    }
    .map_err(Error::internal)
}

/// Re-encrypts every stored secret (sync passwords, authenticator-app secrets) under the
/// current key of `state.secrets` (which the caller has just loaded), and records it in the
/// organisation's audit trail.
pub async fn reseal_all(state: &AppState, origin: &Origin) -> Result<Resealed, Error> {
    let mut report = Resealed::default();
    for kind in KINDS {
        for (owner, old) in sealed(state, kind).await? {
            match state.secrets.reseal(owner, &old) {
                Ok(None) => report.current += 1,
                Ok(Some(new)) => {
                    if replace(state, kind, owner, &old, &new).await? {
                        report.moved += 1;
                    } else {
                        report.changed += 1;
                    }
                }
                Err(e) => {
                    tracing::warn!(user = %owner, ?kind, "cannot re-encrypt a secret: {e}");
                    report.unreadable.push(owner);
                }
            }
        }
    }
    // Each secret was resealed on its own (a user may change theirs meanwhile); the event
    // records the rotation as a whole once it is done.
    record_rotation(state, origin).await?;
    Ok(report)
}

/// The owners of stored secrets still sealed under a retired key (dropping the retired keys
/// would make them unreadable).
pub async fn sealed_under_retired_keys(state: &AppState) -> Result<Vec<UserId>, Error> {
    let current = state.secrets.key_id();
    let mut owners = Vec::new();
    for kind in KINDS {
        owners.extend(
            sealed(state, kind)
                .await?
                .into_iter()
                .filter(|(_, sealed)| sealed.key_id != current)
                .map(|(owner, _)| owner),
        );
    }
    owners.sort_unstable_by_key(|o| o.0);
    owners.dedup();
    Ok(owners)
}

/// The owners of unused recovery codes made under a retired key: dropping it would void them
/// (they are HMACs, nothing to re-encrypt); the owners make new ones first.
pub async fn recovery_codes_under_retired_keys(state: &AppState) -> Result<Vec<UserId>, Error> {
    second_factor::recovery_codes_not_under(&state.pool, &state.secrets.key_id())
        .await
        .map_err(Error::internal)
}

/// The audit event of a rotation, also of its last step (dropping the retired keys).
pub async fn record_rotation(state: &AppState, origin: &Origin) -> Result<(), Error> {
    audit::record_in(
        &state.pool,
        state.now(),
        origin,
        None,
        AuditAction::KeyRotated,
    )
    .await
}
