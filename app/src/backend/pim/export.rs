//! Exporting the user's own contacts (vCard 4.0) and events (iCalendar): the whole folder or
//! one item, in the form `import` reads back without loss.

use super::interchange::{write_calendar, write_vcard};
use crate::backend::error::Error;
use crate::backend::state::AppState;
use crate::backend::store::pim::{contacts, events, folders, FolderKind};
use crate::domain::ids::UserId;

async fn folder(state: &AppState, user: UserId, kind: FolderKind) -> Result<i64, Error> {
    folders::default_folder(&state.pool, user, kind, state.now())
        .await
        .map(|f| f.id)
        .map_err(Error::internal)
}

/// The folder's contacts (or the one with `id`) as one `.vcf` text.
pub async fn contacts(state: &AppState, user: UserId, id: Option<i64>) -> Result<String, Error> {
    let f = folder(state, user, FolderKind::Contacts).await?;
    let rows = match id {
        None => contacts::all_with_pictures(&state.pool, f)
            .await
            .map_err(Error::internal)?,
        Some(id) => {
            let row = contacts::get(&state.pool, f, id)
                .await
                .map_err(Error::internal)?
                .ok_or(Error::NotFound)?;
            let picture = contacts::picture(&state.pool, f, id)
                .await
                .map_err(Error::internal)?
                .flatten();
            vec![(row, picture)]
        }
    };
    let mut out = String::new();
    for (row, picture) in rows {
        if let Some(c) = row.contact() {
            out.push_str(&write_vcard(
                &row.uid,
                &c,
                picture.as_deref().map(|p| (p, "image/jpeg")),
            ));
        }
    }
    Ok(out)
}

/// The folder's events (or the one with `id`) as one `.ics` text.
pub async fn calendar(state: &AppState, user: UserId, id: Option<i64>) -> Result<String, Error> {
    let f = folder(state, user, FolderKind::Calendar).await?;
    let rows = match id {
        None => events::all(&state.pool, f).await.map_err(Error::internal)?,
        Some(id) => vec![events::get(&state.pool, f, id)
            .await
            .map_err(Error::internal)?
            .ok_or(Error::NotFound)?],
    };
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let attendees = events::attendees(&state.pool, row.id)
            .await
            .map_err(Error::internal)?;
        let exceptions = events::exceptions(&state.pool, row.id)
            .await
            .map_err(Error::internal)?;
        if let Some(event) = row.event(attendees) {
            items.push((row.uid.clone(), event, exceptions));
        }
    }
    Ok(write_calendar(&items))
}
