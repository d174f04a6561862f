//! Importing a vCard or iCalendar file into the user's own folder: read at once (bounded),
//! then applied in the background in batches, each batch one transaction that also counts
//! its progress, so the import's page (on any instance) shows how far it got; an entry with
//! a UID already in the folder updates it. Phones hear of each batch after it committed.

use super::calendar::{checked, user_zone};
use super::change_folder;
use super::contacts::new_uid;
use super::interchange::{self, SkipReason as ReadSkip};
use super::recurrence;
use crate::backend::error::Error;
use crate::backend::state::AppState;
use crate::backend::store::pim::events::Range;
use crate::backend::store::pim::{contacts, events, folders, imports, FolderKind};
use crate::backend::store::Connection;
use crate::domain::ids::UserId;
use crate::domain::messages::Msg;
use crate::domain::model::calendar::{Event, Exception};
use crate::domain::model::contacts::Contact;
use crate::domain::model::import::{ImportView, SkipReason, Skipped, MAX_FILE_BYTES, MAX_ITEMS};

/// Entries per transaction: big enough to be quick, small enough for the page to move.
const BATCH: usize = 250;

/// What an import is asked to read.
pub struct Upload<'a> {
    pub file_name: &'a str,
    pub bytes: &'a [u8],
}

fn refused(msg: Msg) -> Error {
    Error::Invalid { field: "file", msg }
}

/// The file as text, or why not.
fn text<'a>(upload: &Upload<'a>) -> Result<&'a str, Error> {
    if upload.bytes.len() > MAX_FILE_BYTES {
        return Err(refused(Msg::FileTooLarge));
    }
    let text = std::str::from_utf8(upload.bytes).map_err(|_| refused(Msg::FileNotText))?;
    if text.trim().is_empty() {
        return Err(refused(Msg::FileEmpty));
    }
    Ok(text)
}

fn skipped(line: usize, reason: ReadSkip) -> Skipped {
    let reason = match reason {
        ReadSkip::Malformed => SkipReason::Malformed,
        ReadSkip::Unsupported => SkipReason::Unsupported,
        ReadSkip::Invalid { field, msg } => SkipReason::Invalid {
            field: field.to_string(),
            msg,
        },
    };
    Skipped { line, reason }
}

fn json(skipped: &[Skipped]) -> String {
    // Numbers, strings and message keys: serialising cannot fail.
    serde_json::to_string(skipped).unwrap_or_else(|_| "[]".into())
}

/// Whether a line of the file begins a `kind` component (a file without one is not a vCard
/// or iCalendar file at all: refused whole rather than reported line by line).
fn has_component(text: &str, kind: &str) -> bool {
    text.lines()
        .any(|l| l.trim().eq_ignore_ascii_case(&format!("BEGIN:{kind}")))
}

/// What writing one entry did.
enum Outcome {
    Added,
    /// An entry with its UID was already in the folder.
    Updated,
    /// The same UID earlier in the same file: the first one stays.
    Ignored,
}

/// One entry of a file, checked and ready to be written in a batch's transaction.
trait Entry: Send + Sync + 'static {
    fn line(&self) -> usize;
    /// Work done before the batch's transaction opens (keeps it short).
    fn prepare(&mut self) {}
    fn put<'a>(
        &'a self,
        db: &'a mut Connection,
        folder: i64,
        now: i64,
    ) -> impl std::future::Future<Output = Result<Outcome, sqlx::Error>> + Send + 'a;
}

struct ContactEntry {
    line: usize,
    uid: Option<String>,
    contact: Contact,
    /// As uploaded; stored form after `prepare` (a picture that cannot be read is dropped).
    picture: Option<Vec<u8>>,
}

impl Entry for ContactEntry {
    fn line(&self) -> usize {
        self.line
    }

    fn prepare(&mut self) {
        self.picture = self
            .picture
            .take()
            .and_then(|p| super::picture::normalise(&p).ok());
    }

    async fn put(
        &self,
        db: &mut Connection,
        folder: i64,
        now: i64,
    ) -> Result<Outcome, sqlx::Error> {
        let existing = match &self.uid {
            Some(uid) => contacts::by_uid(&mut *db, folder, uid).await?,
            None => None,
        };
        let (id, outcome) = match existing {
            Some(row) => {
                contacts::update(db, folder, row.id, &self.contact, now).await?;
                (row.id, Outcome::Updated)
            }
            None => {
                let uid = self.uid.clone().unwrap_or_else(new_uid);
                match contacts::insert(db, folder, &uid, &self.contact, now).await? {
                    Some(id) => (id, Outcome::Added),
                    None => return Ok(Outcome::Ignored),
                }
            }
        };
        if self.picture.is_some() {
            contacts::set_picture(db, folder, id, self.picture.as_deref(), now).await?;
        }
        Ok(outcome)
    }
}

struct EventEntry {
    line: usize,
    uid: Option<String>,
    event: Event,
    exceptions: Vec<Exception>,
    range: Range,
    /// The user's zone (what all-day events are kept with).
    zone: String,
}

impl Entry for EventEntry {
    fn line(&self) -> usize {
        self.line
    }

    async fn put(
        &self,
        db: &mut Connection,
        folder: i64,
        now: i64,
    ) -> Result<Outcome, sqlx::Error> {
        let existing = match &self.uid {
            Some(uid) => events::by_uid(&mut *db, folder, uid).await?,
            None => None,
        };
        let (id, outcome) = match existing {
            Some(row) => {
                events::update(db, folder, row.id, &self.event, &self.zone, self.range, now)
                    .await?;
                (row.id, Outcome::Updated)
            }
            None => {
                let uid = self.uid.clone().unwrap_or_else(new_uid);
                let added =
                    events::insert(db, folder, &uid, &self.event, &self.zone, self.range, now)
                        .await?;
                match added {
                    Some(id) => (id, Outcome::Added),
                    None => return Ok(Outcome::Ignored),
                }
            }
        };
        for x in &self.exceptions {
            events::set_exception(db, folder, id, x, now).await?;
        }
        Ok(outcome)
    }
}

/// Reads a vCard file and starts adding its contacts; returns the import's id.
pub async fn contacts(state: &AppState, user: UserId, upload: Upload<'_>) -> Result<i64, Error> {
    let text = text(&upload)?;
    if !has_component(text, "VCARD") {
        return Err(refused(Msg::FileNoEntries));
    }
    let parsed = interchange::parse_vcards(text);
    let report: Vec<Skipped> = parsed
        .skipped
        .into_iter()
        .map(|s| skipped(s.line, s.reason))
        .collect();
    let entries = parsed
        .items
        .into_iter()
        .map(|i| ContactEntry {
            line: i.line,
            uid: i.uid,
            contact: i.value.contact,
            picture: i.value.picture,
        })
        .collect();
    start(
        state,
        user,
        FolderKind::Contacts,
        upload.file_name,
        entries,
        report,
    )
    .await
}

/// Reads an iCalendar file and starts adding its events; returns the import's id.
pub async fn calendar(state: &AppState, user: UserId, upload: Upload<'_>) -> Result<i64, Error> {
    let zone = user_zone(state, user).await?;
    let text = text(&upload)?;
    if !has_component(text, "VCALENDAR") {
        return Err(refused(Msg::FileNoEntries));
    }
    let parsed = interchange::parse_calendar(text, &zone);
    let mut report: Vec<Skipped> = parsed
        .skipped
        .into_iter()
        .map(|s| skipped(s.line, s.reason))
        .collect();
    // What the calendar itself would refuse (an unknown zone, a runaway rule) is skipped now.
    let mut entries = Vec::new();
    for item in parsed.items {
        let checked = checked(item.value.event).and_then(|event| {
            recurrence::span(&event, &item.value.exceptions)
                .map(|range| (event, range))
                .map_err(|(field, msg)| Error::Invalid { field, msg })
        });
        match checked {
            Ok((event, range)) => entries.push(EventEntry {
                line: item.line,
                uid: item.uid,
                event,
                exceptions: item.value.exceptions,
                range,
                zone: zone.clone(),
            }),
            Err(e) => report.push(Skipped {
                line: item.line,
                reason: match e {
                    Error::Invalid { field, msg } => SkipReason::Invalid {
                        field: field.to_string(),
                        msg,
                    },
                    _ => SkipReason::Failed,
                },
            }),
        }
    }
    start(
        state,
        user,
        FolderKind::Calendar,
        upload.file_name,
        entries,
        report,
    )
    .await
}

/// Records the import and applies its entries in the background; returns the import's id.
async fn start<E: Entry>(
    state: &AppState,
    user: UserId,
    kind: FolderKind,
    file_name: &str,
    entries: Vec<E>,
    report: Vec<Skipped>,
) -> Result<i64, Error> {
    if entries.len() > MAX_ITEMS {
        return Err(refused(Msg::TooMany));
    }
    let name: String = file_name
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let total = entries.len() as i64;
    let id = imports::start(
        &state.pool,
        user,
        kind.code(),
        &name,
        total,
        &json(&report),
        state.now(),
    )
    .await
    .map_err(Error::internal)?;
    tokio::spawn(run(state.clone(), user, id, kind, entries, report));
    Ok(id)
}

/// Writes the entries in batches, each one transaction that also counts its progress; a
/// batch the database refuses is reported entry by entry and the next one goes on.
async fn run<E: Entry>(
    state: AppState,
    user: UserId,
    id: i64,
    kind: FolderKind,
    mut entries: Vec<E>,
    mut report: Vec<Skipped>,
) {
    match folders::default_folder(&state.pool, user, kind, state.now()).await {
        Ok(f) => {
            for batch in entries.chunks_mut(BATCH) {
                batch.iter_mut().for_each(Entry::prepare);
                let batch = &*batch;
                let now = state.now();
                let applied = change_folder(&state, user, f.id, async |db| {
                    let (mut added, mut updated) = (0, 0);
                    for e in batch {
                        match e.put(db, f.id, now).await? {
                            Outcome::Added => added += 1,
                            Outcome::Updated => updated += 1,
                            Outcome::Ignored => {}
                        }
                    }
                    imports::progress(db, id, batch.len() as i64, added, updated).await?;
                    Ok(Some(()))
                })
                .await;
                if let Err(e) = applied {
                    tracing::error!("import {id}: a batch was refused: {e}");
                    report.extend(batch.iter().map(|e| Skipped {
                        line: e.line(),
                        reason: SkipReason::Failed,
                    }));
                    if let Ok(mut db) = state.pool.acquire().await {
                        let _ = imports::progress(&mut db, id, batch.len() as i64, 0, 0).await;
                    }
                }
            }
        }
        Err(e) => tracing::error!("import {id}: no {} folder: {e}", kind.code()),
    }
    report.sort_by_key(|s| s.line);
    if let Err(e) = imports::finish(&state.pool, id, &json(&report), state.now()).await {
        tracing::error!("import {id}: could not record its end: {e}");
    }
}

/// The user's own import, as its page shows it.
pub async fn view(state: &AppState, user: UserId, id: i64) -> Result<ImportView, Error> {
    let row = imports::get(&state.pool, user, id)
        .await
        .map_err(Error::internal)?
        .ok_or(Error::NotFound)?;
    Ok(ImportView {
        id: row.id,
        kind: row.kind,
        file_name: row.file_name,
        total: row.total,
        done: row.done,
        added: row.added,
        updated: row.updated,
        skipped: serde_json::from_str(&row.skipped).unwrap_or_default(),
        finished: row.finished_at.is_some(),
    })
}

#[cfg(test)]
#[path = "import_tests.rs"]
mod tests;
