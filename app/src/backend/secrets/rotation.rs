//! `rotate-key`: every stored secret re-encrypted under the key file's new current key, while
//! the server keeps running (it reads the new key file on its own; see `SecretBox`).

use crate::backend::audit::{self, Origin};
use crate::backend::error::Error;
use crate::backend::state::AppState;
use crate::backend::store::users;
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

/// Re-encrypts every stored sync password under the current key of `state.secrets` (which
/// the caller has just loaded), and records it in the organisation's audit trail.
pub async fn reseal_all(state: &AppState, origin: &Origin) -> Result<Resealed, Error> {
    let mut report = Resealed::default();
    let stored = users::sealed_sync_passwords(&state.pool)
        .await
        .map_err(Error::internal)?;
    for (owner, sealed) in stored {
        match state.secrets.reseal(owner, &sealed) {
            Ok(None) => report.current += 1,
            Ok(Some(new)) => {
                let replaced = users::reseal_sync_password(&state.pool, owner, &sealed, &new)
                    .await
                    .map_err(Error::internal)?;
                if replaced {
                    report.moved += 1;
                } else {
                    report.changed += 1;
                }
            }
            Err(e) => {
                tracing::warn!(user = %owner, "cannot re-encrypt the sync password: {e}");
                report.unreadable.push(owner);
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
    Ok(users::sealed_sync_passwords(&state.pool)
        .await
        .map_err(Error::internal)?
        .into_iter()
        .filter(|(_, sealed)| sealed.key_id != current)
        .map(|(owner, _)| owner)
        .collect())
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
