//! `rotate-key`: every stored secret re-encrypted under the key file's new current key, while
//! the server keeps running (it reads the new key file on its own; see `SecretBox`).

use crate::backend::audit::{self, Origin};
use crate::backend::error::Error;
use crate::backend::secrets::Sealed;
use crate::backend::state::AppState;
use crate::backend::store::mail_settings::{self, Secret, ORGANISATION};
use crate::backend::store::{mail_queue, second_factor, users};
use crate::domain::ids::UserId;
use crate::domain::model::AuditAction;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Resealed {
    /// Re-encrypted under the current key.
    pub moved: usize,
    /// Already under the current key.
    pub current: usize,
    /// Changed by their owner meanwhile (so already sealed under a loaded key), or a queued
    /// message delivered meanwhile.
    pub changed: usize,
    /// Secrets no loaded key opens (damaged, or sealed under a key that is gone).
    pub unreadable: Vec<Holder>,
}

/// A stored sealed secret: which one, and where it is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    /// A user's sync (ActiveSync) password.
    SyncPassword(UserId),
    /// A user's authenticator-app secret.
    AppSecret(UserId),
    /// One of the organisation's mail settings' secrets.
    MailSettings(Secret),
    /// A message waiting in the mail queue, by id.
    QueuedMail(i64),
}

impl Holder {
    /// Whose the secret is: bound into its seal.
    fn owner(self) -> UserId {
        match self {
            Holder::SyncPassword(user) | Holder::AppSecret(user) => user,
            Holder::MailSettings(_) => ORGANISATION,
            Holder::QueuedMail(_) => mail_queue::OWNER,
        }
    }

    /// The user whose secret it is, if a user's.
    pub fn user(self) -> Option<UserId> {
        match self {
            Holder::SyncPassword(user) | Holder::AppSecret(user) => Some(user),
            Holder::MailSettings(_) | Holder::QueuedMail(_) => None,
        }
    }
}

/// Every stored sealed secret.
async fn sealed_all(state: &AppState) -> Result<Vec<(Holder, Sealed)>, Error> {
    let pool = &state.pool;
    let mut all = Vec::new();
    all.extend(held(
        Holder::SyncPassword,
        users::sealed_sync_passwords(pool).await,
    )?);
    all.extend(held(
        Holder::AppSecret,
        second_factor::sealed_app_secrets(pool).await,
    )?);
    all.extend(held(
        Holder::MailSettings,
        mail_settings::sealed_secrets(pool).await,
    )?);
    all.extend(held(
        Holder::QueuedMail,
        mail_queue::sealed_all(pool).await,
    )?);
    Ok(all)
}

/// Rows of one kind of secret, named by their holder.
fn held<K>(
    holder: fn(K) -> Holder,
    rows: Result<Vec<(K, Sealed)>, sqlx::Error>,
) -> Result<impl Iterator<Item = (Holder, Sealed)>, Error> {
    let rows = rows.map_err(Error::internal)?;
    Ok(rows
        .into_iter()
        .map(move |(key, sealed)| (holder(key), sealed)))
}

/// Replaces `old` by `new` where it is kept, unless it changed since it was read: `false` then.
async fn replace(
    state: &AppState,
    holder: Holder,
    old: &Sealed,
    new: &Sealed,
) -> Result<bool, Error> {
    let pool = &state.pool;
    match holder {
        Holder::SyncPassword(u) => users::reseal_sync_password(pool, u, old, new).await,
        Holder::AppSecret(u) => second_factor::reseal_app_secret(pool, u, old, new).await,
        Holder::MailSettings(which) => mail_settings::reseal(pool, which, old, new).await,
        Holder::QueuedMail(id) => mail_queue::reseal(pool, id, old, new).await,
    }
    .map_err(Error::internal)
}

/// Re-encrypts every stored secret (sync passwords, authenticator-app secrets, the mail
/// settings' secrets, queued mail) under the current key of `state.secrets` (which the caller
/// has just loaded), and records it in the organisation's audit trail.
pub async fn reseal_all(state: &AppState, origin: &Origin) -> Result<Resealed, Error> {
    let mut report = Resealed::default();
    for (holder, old) in sealed_all(state).await? {
        match state.secrets.reseal(holder.owner(), &old) {
            Ok(None) => report.current += 1,
            Ok(Some(new)) => {
                if replace(state, holder, &old, &new).await? {
                    report.moved += 1;
                } else {
                    report.changed += 1;
                }
            }
            Err(e) => {
                tracing::warn!(?holder, "cannot re-encrypt a secret: {e}");
                report.unreadable.push(holder);
            }
        }
    }
    // Each secret was resealed on its own (a user may change theirs meanwhile); the event
    // records the rotation as a whole once it is done.
    record_rotation(state, origin).await?;
    Ok(report)
}

/// Where stored secrets are still sealed under a retired key (dropping the retired keys
/// would make them unreadable).
pub async fn sealed_under_retired_keys(state: &AppState) -> Result<Vec<Holder>, Error> {
    let current = state.secrets.key_id();
    Ok(sealed_all(state)
        .await?
        .into_iter()
        .filter(|(_, sealed)| sealed.key_id != current)
        .map(|(holder, _)| holder)
        .collect())
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
