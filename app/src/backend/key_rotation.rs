//! `rotate-key`: every stored secret re-encrypted under the key file's new current key, while
//! the server keeps running (it reads the new key file on its own; see `SecretBox`).

use super::audit::{self, Origin};
use super::state::AppState;
use super::store::users;
use crate::api::dto::AuditAction;
use crate::api::error::AppError;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Resealed {
    /// Re-encrypted under the current key.
    pub moved: usize,
    /// Already under the current key.
    pub current: usize,
    /// Changed by their owner meanwhile (so already sealed under a loaded key).
    pub changed: usize,
    /// Owners whose secret no loaded key opens (damaged, or sealed under a key that is gone).
    pub unreadable: Vec<i64>,
}

/// Re-encrypts every stored sync password under the current key of `state.secrets` (which
/// the caller has just loaded), and records it in the organisation's audit trail.
pub async fn reseal_all(state: &AppState, origin: &Origin) -> Result<Resealed, AppError> {
    let mut report = Resealed::default();
    let stored = users::sealed_sync_passwords(&state.pool)
        .await
        .map_err(AppError::internal)?;
    for (owner, sealed) in stored {
        match state.secrets.reseal(owner, &sealed) {
            Ok(None) => report.current += 1,
            Ok(Some(new)) => {
                let replaced = users::reseal_sync_password(&state.pool, owner, &sealed, &new)
                    .await
                    .map_err(AppError::internal)?;
                if replaced {
                    report.moved += 1;
                } else {
                    report.changed += 1;
                }
            }
            Err(e) => {
                tracing::warn!(user = owner, "cannot re-encrypt the sync password: {e}");
                report.unreadable.push(owner);
            }
        }
    }
    audit::record(state, origin, None, AuditAction::KeyRotated).await?;
    Ok(report)
}
