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

/// Where a sealed secret is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Holder {
    /// A user's sync password or authenticator-app secret.
    User(UserId),
    /// The organisation's mail settings (the mail server's password or client secret).
    MailSettings,
    /// A message waiting in the mail queue, by id.
    QueuedMail(i64),
}

impl Holder {
    /// Whose the secret is: bound into its seal.
    fn owner(self) -> UserId {
        match self {
            Holder::User(user) => user,
            Holder::MailSettings => ORGANISATION,
            Holder::QueuedMail(_) => mail_queue::OWNER,
        }
    }
}

/// The kinds of sealed secret: a user's two, the organisation's mail secrets, queued mail.
#[derive(Clone, Copy, Debug)]
enum Kind {
    SyncPassword,
    AppSecret,
    Mail(Secret),
    QueuedMail,
}

const KINDS: [Kind; 5] = [
    Kind::SyncPassword,
    Kind::AppSecret,
    Kind::Mail(Secret::Password),
    Kind::Mail(Secret::ClientSecret),
    Kind::QueuedMail,
];

fn by_user(all: Vec<(UserId, Sealed)>) -> Vec<(Holder, Sealed)> {
    all.into_iter().map(|(u, s)| (Holder::User(u), s)).collect()
}

async fn sealed(state: &AppState, kind: Kind) -> Result<Vec<(Holder, Sealed)>, Error> {
    let pool = &state.pool;
    match kind {
        Kind::SyncPassword => users::sealed_sync_passwords(pool).await.map(by_user),
        Kind::AppSecret => second_factor::sealed_app_secrets(pool).await.map(by_user),
        Kind::Mail(which) => mail_settings::sealed_secrets(pool).await.map(|all| {
            all.into_iter()
                .filter(|(w, _)| *w == which)
                .map(|(_, s)| (Holder::MailSettings, s))
                .collect()
        }),
        Kind::QueuedMail => mail_queue::sealed_all(pool).await.map(|all| {
            all.into_iter()
                .map(|(id, s)| (Holder::QueuedMail(id), s))
                .collect()
        }),
    }
    .map_err(Error::internal)
}

async fn replace(
    state: &AppState,
    kind: Kind,
    holder: Holder,
    old: &Sealed,
    new: &Sealed,
) -> Result<bool, Error> {
    let pool = &state.pool;
    match (kind, holder) {
        (Kind::SyncPassword, Holder::User(u)) => {
            users::reseal_sync_password(pool, u, old, new).await
        }
        (Kind::AppSecret, Holder::User(u)) => {
            second_factor::reseal_app_secret(pool, u, old, new).await
        }
        (Kind::Mail(which), _) => mail_settings::reseal(pool, which, old, new).await,
        (Kind::QueuedMail, Holder::QueuedMail(id)) => mail_queue::reseal(pool, id, old, new).await,
        _ => unreachable!("`sealed` pairs each kind with its holder"),
    }
    .map_err(Error::internal)
}

/// Re-encrypts every stored secret (sync passwords, authenticator-app secrets, the mail
/// settings' secrets, queued mail) under the current key of `state.secrets` (which the caller
/// has just loaded), and records it in the organisation's audit trail.
pub async fn reseal_all(state: &AppState, origin: &Origin) -> Result<Resealed, Error> {
    let mut report = Resealed::default();
    for kind in KINDS {
        for (holder, old) in sealed(state, kind).await? {
            match state.secrets.reseal(holder.owner(), &old) {
                Ok(None) => report.current += 1,
                Ok(Some(new)) => {
                    if replace(state, kind, holder, &old, &new).await? {
                        report.moved += 1;
                    } else {
                        report.changed += 1;
                    }
                }
                Err(e) => {
                    tracing::warn!(?holder, ?kind, "cannot re-encrypt a secret: {e}");
                    report.unreadable.push(holder);
                }
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
    let mut holders = Vec::new();
    for kind in KINDS {
        holders.extend(
            sealed(state, kind)
                .await?
                .into_iter()
                .filter(|(_, sealed)| sealed.key_id != current)
                .map(|(holder, _)| holder),
        );
    }
    holders.sort_unstable();
    holders.dedup();
    Ok(holders)
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
