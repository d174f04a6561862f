//! Announcing committed changes to every instance.
//!
//! A change to what a phone's password opens must reach the door's cached checks of every
//! instance within a second. On SQLite there is one instance: the announcement bumps this
//! process's counters (`CredentialEpochs`). On PostgreSQL it also goes out with `NOTIFY` on one
//! channel, and every instance's listener (`listen`) bumps its own counters when it hears it —
//! the same channel will wake the `Ping`s waiting for a user's data. If the listener loses its
//! connection it cannot know what it missed, so it outdates everything once.

use crate::backend::state::AppState;
use crate::backend::store::{self, Kind, Native};
use crate::domain::ids::UserId;

/// The PostgreSQL channel every instance listens on.
pub const CHANNEL: &str = "syncgate_changes";

/// What changed (see `CredentialEpochs` for what each outdates).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// One user's passwords, flags, 2FA, email or devices (also wakes their waiting `Ping`s).
    User(UserId),
    /// Which name reaches which user (a new user, a new email address).
    Names,
    /// Something every user's devices depend on (the organisation's ActiveSync switch).
    Policy,
    /// Something in one of the user's folders (contacts, calendar): wakes their phones' `Ping`.
    Folder { user: UserId, folder: i64 },
}

impl Change {
    pub fn payload(self) -> String {
        match self {
            Change::User(id) => format!("user:{}", id.0),
            Change::Names => "names".into(),
            Change::Policy => "policy".into(),
            Change::Folder { user, folder } => format!("folder:{}:{folder}", user.0),
        }
    }

    /// A payload from the channel; `None` for one this version does not know (ignored).
    pub fn parse(payload: &str) -> Option<Change> {
        match payload {
            "names" => Some(Change::Names),
            "policy" => Some(Change::Policy),
            _ => {
                if let Some(rest) = payload.strip_prefix("folder:") {
                    let (user, folder) = rest.split_once(':')?;
                    return Some(Change::Folder {
                        user: UserId(user.parse().ok()?),
                        folder: folder.parse().ok()?,
                    });
                }
                payload
                    .strip_prefix("user:")
                    .and_then(|id| id.parse().ok())
                    .map(|id| Change::User(UserId(id)))
            }
        }
    }

    /// What this instance does on hearing of the change (from itself, another instance, or
    /// the door's look at the database).
    pub(crate) fn apply(self, state: &AppState) {
        match self {
            Change::User(id) => {
                state.credentials.bump_user(id);
                // The user's waiting phones look whether they may go on (folder 0: none).
                state.folders.changed(id, 0);
            }
            Change::Names => state.credentials.bump_names(),
            Change::Policy => state.credentials.bump_policy(),
            Change::Folder { user, folder } => state.folders.changed(user, folder),
        }
    }
}

/// Tells this instance at once and, on PostgreSQL, every other one. Call after the change's
/// transaction committed. A failed `NOTIFY` is logged: the change itself stands, and the
/// door's periodic look at the database catches up within seconds.
pub async fn announce(state: &AppState, change: Change) {
    change.apply(state);
    if state.database.kind() == Kind::Postgres {
        let payload = format!("{}@{}", change.payload(), state.instance);
        let sent = store::notify::notify(&state.pool, CHANNEL, &payload).await;
        if let Err(e) = sent {
            tracing::warn!("announcing a change to other instances: {e}");
        }
    }
}

/// On PostgreSQL, applies what other instances announce, for as long as the process runs,
/// and now and then drops the shared throttle's forgotten rows (any instance may: idempotent).
pub fn listen(state: AppState) {
    let Native::Postgres(pool) = state.database.native.clone() else {
        return;
    };
    let sweeper = state.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(600)).await;
            // Every rule forgets after an hour; a day leaves a wide margin.
            let before = sweeper.now() - 24 * 3600;
            if let Err(e) = store::throttle::prune(&sweeper.pool, before).await {
                tracing::warn!("pruning the throttle table: {e}");
            }
        }
    });
    tokio::spawn(async move {
        let mut first = true;
        loop {
            let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!("listening for other instances' changes: {e}");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    continue;
                }
            };
            if let Err(e) = listener.listen(CHANNEL).await {
                tracing::warn!("listening for other instances' changes: {e}");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                continue;
            }
            // After a lost connection, whatever was announced meanwhile is unknown: outdate
            // everything. (Before the first connection the door's periodic look covers it.)
            if !first {
                Change::Policy.apply(&state);
            }
            first = false;
            loop {
                match listener.try_recv().await {
                    Ok(Some(n)) => {
                        // `change@instance`; this instance's own were applied when announced
                        // (applying them again, late, would outdate checks made since).
                        let (change, from) =
                            n.payload().rsplit_once('@').unwrap_or((n.payload(), ""));
                        if from != &*state.instance {
                            if let Some(change) = Change::parse(change) {
                                change.apply(&state);
                            }
                        }
                    }
                    // The connection dropped and came back: something may have been missed.
                    Ok(None) => {
                        tracing::warn!("listening for other instances' changes: reconnected; cached door checks outdated");
                        Change::Policy.apply(&state)
                    }
                    Err(e) => {
                        tracing::warn!("listening for other instances' changes: {e}");
                        break;
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_read_back_as_the_change_they_name() {
        for change in [
            Change::User(UserId(42)),
            Change::Names,
            Change::Policy,
            Change::Folder {
                user: UserId(7),
                folder: 12,
            },
        ] {
            assert_eq!(Change::parse(&change.payload()), Some(change));
        }
        assert_eq!(Change::parse("user:x"), None);
        assert_eq!(Change::parse("folder:7"), None);
        assert_eq!(Change::parse("folder:7:x"), None);
        assert_eq!(
            Change::parse("calendar:7"),
            None,
            "unknown kinds are ignored"
        );
    }
}
