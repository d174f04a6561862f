//! "Sync with my devices" (SPEC 6): which of the user's folders their phones receive. A
//! change is audited with the setting, and the phones hear of it at their next FolderSync.

use crate::backend::audit::{self, Origin};
use crate::backend::changes::{announce, Change};
use crate::backend::error::Error;
use crate::backend::identity::views;
use crate::backend::state::AppState;
use crate::backend::store::pim::FolderKind;
use crate::backend::store::users::{self, UserRecord};
use crate::domain::model::{AuditAction, Profile};

/// Turns syncing of one folder kind on or off for the user themselves.
pub async fn set(
    state: &AppState,
    user: &UserRecord,
    origin: &Origin,
    folder: FolderKind,
    on: bool,
) -> Result<Profile, Error> {
    let mut change = audit::Change::begin(state).await?;
    users::set_folder_sync(change.db(), user.id, folder.code(), on)
        .await
        .map_err(Error::internal)?;
    let actions = match folder {
        FolderKind::Contacts => [AuditAction::ContactsSyncOn, AuditAction::ContactsSyncOff],
        FolderKind::Calendar => [AuditAction::CalendarSyncOn, AuditAction::CalendarSyncOff],
    };
    change
        .commit(origin, Some(user.id), audit::switch(on, actions))
        .await?;
    // The door's cached view of the user (what it offers) is outdated, and the phones
    // waiting in Ping must hear that their folder list is (folder 0: the hierarchy).
    announce(state, Change::User(user.id)).await;
    announce(
        state,
        Change::Folder {
            user: user.id,
            folder: 0,
        },
    )
    .await;
    views::profile(state, user.id).await
}

/// The folders the door offers the user's phones, in FolderSync order.
pub fn offered(user: &UserRecord) -> Vec<FolderKind> {
    [
        (FolderKind::Contacts, user.sync_contacts),
        (FolderKind::Calendar, user.sync_calendar),
    ]
    .into_iter()
    .filter_map(|(kind, on)| on.then_some(kind))
    .collect()
}
