//! The door's service: everything the ActiveSync door (`server/src/eas`) reads or writes about
//! accounts and devices goes through here, so the door owns the protocol and nothing of the
//! storage.

use crate::backend::changes::Change;
use crate::backend::error::Error;
use crate::backend::identity::UserRecord;
use crate::backend::state::AppState;
use crate::backend::store::{devices, users};
use crate::domain::ids::UserId;
use std::collections::HashMap;

/// A device as the door keeps it (policy key, folder hierarchy key, block).
pub use crate::backend::store::devices::DeviceRow as DeviceState;
/// What one authenticated request tells about its device.
pub use crate::backend::store::devices::Sighting;

/// The account a phone names: its username, else its email address when exactly one account
/// has it (phones often send `user@domain`).
pub async fn find_account(state: &AppState, name: &str) -> Result<Option<UserRecord>, Error> {
    if let Some(u) = users::by_username(&state.pool, name)
        .await
        .map_err(Error::internal)?
    {
        return Ok(Some(u));
    }
    if name.contains('@') {
        return users::by_unique_email(&state.pool, name)
            .await
            .map_err(Error::internal);
    }
    Ok(None)
}

/// The account as stored now (a cached check re-reads it when a stamp moved).
pub async fn account(state: &AppState, id: UserId) -> Result<Option<UserRecord>, Error> {
    users::by_id(&state.pool, id).await.map_err(Error::internal)
}

/// What another process may have changed: every user's credential version, and a
/// fingerprint of the organisation settings the door decides on.
pub async fn credential_stamps(state: &AppState) -> Result<(Vec<(UserId, i64)>, String), Error> {
    let (versions, settings) = tokio::join!(
        users::credential_versions(&state.pool),
        users::settings_fingerprint(&state.pool)
    );
    Ok((
        versions.map_err(Error::internal)?,
        settings.map_err(Error::internal)?,
    ))
}

/// A device of the user keeps presenting a password that no longer works (the Devices list
/// says "old password").
pub async fn wrong_password_from(
    state: &AppState,
    user_id: UserId,
    device_id: &str,
) -> Result<(), Error> {
    devices::failed(&state.pool, user_id, device_id, state.now())
        .await
        .map_err(Error::internal)
}

/// How stale a device's "last seen" may get before a request writes it again: phones that
/// poll or push send many requests a minute, and one write per request would be the door's
/// busiest statement.
pub const LAST_SEEN_EVERY: i64 = 60;

/// Records an authenticated request's device; a new one keeps the user's list bounded. A
/// device seen less than `LAST_SEEN_EVERY` ago from the same address, type, agent and version
/// is only read.
pub async fn seen(state: &AppState, sighting: Sighting<'_>) -> Result<DeviceState, Error> {
    let user_id = sighting.user_id;
    if let Some(known) = devices::find(&state.pool, user_id, sighting.device_id)
        .await
        .map_err(Error::internal)?
    {
        let same = known.last_address == sighting.address
            && known.device_type == sighting.device_type
            && (sighting.user_agent.is_empty() || known.user_agent == sighting.user_agent)
            && (sighting.protocol_version.is_empty()
                || known.protocol_version == sighting.protocol_version)
            && !known.old_password;
        if same && sighting.at - known.last_seen < LAST_SEEN_EVERY && sighting.at >= known.last_seen
        {
            return Ok(known);
        }
    }
    let device = devices::seen(&state.pool, sighting)
        .await
        .map_err(Error::internal)?;
    if device.first_seen == device.last_seen {
        if let Err(e) = devices::prune(&state.pool, user_id).await {
            tracing::warn!("pruning devices: {e}");
        }
    }
    Ok(device)
}

/// What a phone says about itself (`Settings:DeviceInformation`), each field cut at 200.
pub struct DeviceInformation {
    pub model: String,
    pub friendly_name: String,
    pub os: String,
    pub user_agent: String,
}

pub async fn set_information(
    state: &AppState,
    device: &DeviceState,
    info: &DeviceInformation,
) -> Result<(), Error> {
    devices::set_information(
        &state.pool,
        device.id,
        &info.model,
        &info.friendly_name,
        &info.os,
        &info.user_agent,
    )
    .await
    .map_err(Error::internal)
}

/// Hands out a policy key: temporary (`acknowledged` false) or the final one.
pub async fn set_policy_key(
    state: &AppState,
    device: &DeviceState,
    key: &str,
    acknowledged: bool,
) -> Result<(), Error> {
    devices::set_policy(&state.pool, device.id, key, acknowledged)
        .await
        .map_err(Error::internal)
}

/// A new hierarchy sync key for the device and the folders (server ids) it now has.
pub async fn set_folder_sync_key(
    state: &AppState,
    device: &DeviceState,
    key: i64,
    offered: &[&str],
) -> Result<(), Error> {
    devices::set_folder_sync_key(&state.pool, device.id, key, &offered.join(","))
        .await
        .map_err(Error::internal)
}

/// Looks at the database every `every` for changes made by other processes (the command
/// line) and outdates just what changed: a user's cached checks when their credential version
/// moved, the names when users came or went, everything when the settings changed. (A change
/// made in this process is seen too, and bumps that user once more: harmless.)
pub fn watch_other_processes(state: AppState, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut last: Option<(HashMap<UserId, i64>, String)> = None;
        loop {
            let read = credential_stamps(&state).await;
            match read {
                Ok((versions, settings)) => {
                    let versions: HashMap<UserId, i64> = versions.into_iter().collect();
                    if let Some((before, old_settings)) = &last {
                        let epochs = &state.credentials;
                        for (id, version) in &versions {
                            // A user new since the last look may have signed in and changed
                            // in between: outdated too (new users are few).
                            if before.get(id) != Some(version) {
                                Change::User(*id).apply(&state);
                            }
                        }
                        if before.len() != versions.len()
                            || before.keys().any(|id| !versions.contains_key(id))
                        {
                            epochs.bump_names();
                        }
                        if *old_settings != settings {
                            epochs.bump_policy();
                        }
                    }
                    last = Some((versions, settings));
                }
                Err(e) => tracing::warn!("door: reading credential versions: {e}"),
            }
            tokio::time::sleep(every).await;
        }
    });
}

/// One entry of the organisation's address book as a phone sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryEntry {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

impl DirectoryEntry {
    pub fn display_name(&self) -> String {
        let name = format!("{} {}", self.first_name, self.last_name);
        let name = name.trim();
        if name.is_empty() {
            self.email.clone()
        } else {
            name.to_string()
        }
    }
}

/// The organisation's active users matching a phone's search (name and email only).
pub async fn directory(
    state: &AppState,
    query: &str,
    limit: i64,
) -> Result<Vec<DirectoryEntry>, Error> {
    let query = query.trim();
    if query.is_empty() {
        return Ok(Vec::new());
    }
    Ok(users::directory(&state.pool, query, limit)
        .await
        .map_err(Error::internal)?
        .into_iter()
        .map(|(first_name, last_name, email)| DirectoryEntry {
            first_name,
            last_name,
            email,
        })
        .collect())
}
