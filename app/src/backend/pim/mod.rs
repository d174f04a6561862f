//! Each user's contacts and calendar: the folders, their items, and telling whoever waits
//! (a phone's `Ping`, later) that a folder changed.

pub mod calendar;
pub mod calendar_views;
pub mod contacts;
pub mod event_form;
pub mod export;
pub mod import;
pub mod interchange;
pub mod invitations;
pub mod local_time;
pub mod picture;
pub mod recurrence;
pub mod sync_choice;
#[cfg(test)]
pub mod test_support;
pub mod watch;
pub mod zone_rules;

use crate::backend::changes::{announce, Change};
use crate::backend::error::Error;
use crate::backend::state::AppState;
use crate::backend::store::Connection;
use crate::domain::ids::UserId;

/// One change to a user's folder: `op` runs in a transaction; `None` from it means there is no
/// such item in the folder (NotFound, nothing committed). After the commit, the user's phones
/// are told (in this process, and through PostgreSQL to the others).
pub(crate) async fn change_folder<T>(
    state: &AppState,
    user: UserId,
    folder: i64,
    op: impl AsyncFnOnce(&mut Connection) -> Result<Option<T>, sqlx::Error>,
) -> Result<T, Error> {
    let mut tx = state.pool.begin().await.map_err(Error::internal)?;
    let done = op(&mut tx)
        .await
        .map_err(Error::internal)?
        .ok_or(Error::NotFound)?;
    tx.commit().await.map_err(Error::internal)?;
    announce(state, Change::Folder { user, folder }).await;
    Ok(done)
}
