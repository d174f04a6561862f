//! The `events`, `event_attendees` and `event_exceptions` tables. Every write to an event, its
//! attendees or its exceptions takes the folder's next sequence number for the event.

use super::super::columns::Flag;
use super::super::{Connection, Executes, Pool};
use super::folders;
use crate::domain::date::Date;
use crate::domain::model::calendar::{
    Attendee, BusyStatus, Event, Exception, Occurrence, Response, Sensitivity, When,
};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct EventRow {
    pub id: i64,
    pub folder_id: i64,
    pub uid: String,
    pub seq: i64,
    pub title: String,
    pub location: String,
    pub description: String,
    #[sqlx(try_from = "Flag")]
    pub all_day: bool,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub time_zone: String,
    pub rrule: Option<String>,
    pub reminder_minutes: Option<i64>,
    pub busy_status: String,
    pub sensitivity: String,
    pub updated_at: i64,
    /// A JSON list of strings (phones' labels).
    pub categories: String,
}

const COLUMNS: &str = "id, folder_id, uid, seq, title, location, description, all_day, starts_at, \
    ends_at, start_date, end_date, time_zone, rrule, reminder_minutes, busy_status, sensitivity, \
    updated_at, categories";

impl EventRow {
    /// The event as the domain has it; `None` only if a row was damaged outside the application.
    pub fn event(&self, attendees: Vec<Attendee>) -> Option<Event> {
        let when = if self.all_day {
            When::AllDay {
                start: Date::parse(self.start_date.as_deref()?)?,
                end: Date::parse(self.end_date.as_deref()?)?,
            }
        } else {
            When::Timed {
                start: self.starts_at?,
                end: self.ends_at?,
                time_zone: self.time_zone.clone(),
            }
        };
        Some(Event {
            title: self.title.clone(),
            location: self.location.clone(),
            description: self.description.clone(),
            when,
            reminder_minutes: self.reminder_minutes.and_then(|m| u32::try_from(m).ok()),
            busy: BusyStatus::from_code(&self.busy_status).unwrap_or_default(),
            sensitivity: Sensitivity::from_code(&self.sensitivity).unwrap_or_default(),
            rrule: self.rrule.clone(),
            attendees,
        })
    }
}

/// The UTC span all occurrences fall in (`end` `None`: a series without end), computed by the
/// backend from the rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub start: i64,
    pub end: Option<i64>,
}

/// The columns of `When`: (all_day, starts_at, ends_at, start_date, end_date, zone).
type WhenColumns = (
    bool,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    String,
);

fn when_columns(when: &When, user_zone: &str) -> WhenColumns {
    match when {
        When::Timed {
            start,
            end,
            time_zone,
        } => (
            false,
            Some(*start),
            Some(*end),
            None,
            None,
            time_zone.clone(),
        ),
        When::AllDay { start, end } => (
            true,
            None,
            None,
            Some(start.to_string()),
            Some(end.to_string()),
            user_zone.to_string(),
        ),
    }
}

/// Adds an event; `Ok(None)` if the folder already has one with this UID. `zone`: the zone an
/// all-day event is kept with (the user's).
pub async fn insert(
    db: &mut Connection,
    folder: i64,
    uid: &str,
    e: &Event,
    zone: &str,
    range: Range,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let seq = folders::next_seq(db, folder).await?;
    let (all_day, starts_at, ends_at, start_date, end_date, tz) = when_columns(&e.when, zone);
    let id: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO events (folder_id, uid, seq, title, location, description, all_day, starts_at, \
         ends_at, start_date, end_date, time_zone, rrule, reminder_minutes, busy_status, sensitivity, \
         range_start, range_end, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
         $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19) \
         ON CONFLICT (folder_id, uid) DO NOTHING RETURNING id",
    )
    .bind(folder)
    .bind(uid)
    .bind(seq)
    .bind(&e.title)
    .bind(&e.location)
    .bind(&e.description)
    .bind(all_day)
    .bind(starts_at)
    .bind(ends_at)
    .bind(start_date)
    .bind(end_date)
    .bind(tz)
    .bind(e.rrule.as_deref())
    .bind(e.reminder_minutes.map(i64::from))
    .bind(e.busy.code())
    .bind(e.sensitivity.code())
    .bind(range.start)
    .bind(range.end)
    .bind(now)
    .fetch_optional(&mut *db)
    .await?;
    let Some((id,)) = id else {
        return Ok(None);
    };
    set_attendees(db, id, &e.attendees).await?;
    Ok(Some(id))
}

/// Replaces the event's fields and attendees (its exceptions stay); `false` if there is no
/// such event in the folder.
pub async fn update(
    db: &mut Connection,
    folder: i64,
    id: i64,
    e: &Event,
    zone: &str,
    range: Range,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let seq = folders::next_seq(db, folder).await?;
    let (all_day, starts_at, ends_at, start_date, end_date, tz) = when_columns(&e.when, zone);
    let done = sqlx::query(
        "UPDATE events SET seq = $3, title = $4, location = $5, description = $6, all_day = $7, \
         starts_at = $8, ends_at = $9, start_date = $10, end_date = $11, time_zone = $12, rrule = $13, \
         reminder_minutes = $14, busy_status = $15, sensitivity = $16, range_start = $17, \
         range_end = $18, updated_at = $19 WHERE folder_id = $1 AND id = $2",
    )
    .bind(folder)
    .bind(id)
    .bind(seq)
    .bind(&e.title)
    .bind(&e.location)
    .bind(&e.description)
    .bind(all_day)
    .bind(starts_at)
    .bind(ends_at)
    .bind(start_date)
    .bind(end_date)
    .bind(tz)
    .bind(e.rrule.as_deref())
    .bind(e.reminder_minutes.map(i64::from))
    .bind(e.busy.code())
    .bind(e.sensitivity.code())
    .bind(range.start)
    .bind(range.end)
    .bind(now)
    .execute(&mut *db)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    set_attendees(db, id, &e.attendees).await?;
    Ok(true)
}

async fn set_attendees(
    db: &mut Connection,
    event: i64,
    attendees: &[Attendee],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM event_attendees WHERE event_id = $1")
        .bind(event)
        .execute(&mut *db)
        .await?;
    for (position, a) in attendees.iter().enumerate() {
        sqlx::query(
            "INSERT INTO event_attendees (event_id, position, name, email, response) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(event)
        .bind(position as i64)
        .bind(&a.name)
        .bind(&a.email)
        .bind(a.response.code())
        .execute(&mut *db)
        .await?;
    }
    Ok(())
}

/// Changes or deletes one occurrence of the series (replacing an earlier exception for it);
/// `false` if there is no such event in the folder.
pub async fn set_exception(
    db: &mut Connection,
    folder: i64,
    id: i64,
    x: &Exception,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let seq = folders::next_seq(db, folder).await?;
    let touched =
        sqlx::query("UPDATE events SET seq = $3, updated_at = $4 WHERE folder_id = $1 AND id = $2")
            .bind(folder)
            .bind(id)
            .bind(seq)
            .bind(now)
            .execute(&mut *db)
            .await?;
    if touched.rows_affected() != 1 {
        return Ok(false);
    }
    put_exception(db, id, x).await?;
    Ok(true)
}

/// Writes one exception, replacing what was said of that occurrence before.
async fn put_exception(db: &mut Connection, id: i64, x: &Exception) -> Result<(), sqlx::Error> {
    // A struct of strings and numbers: serialising it cannot fail.
    let changes = x
        .changes
        .as_ref()
        .map(|c| serde_json::to_string(c).unwrap_or_default());
    sqlx::query(
        "INSERT INTO event_exceptions (event_id, original_start, deleted, changes) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (event_id, original_start) DO UPDATE SET deleted = excluded.deleted, changes = excluded.changes",
    )
    .bind(id)
    .bind(x.original_start)
    .bind(x.changes.is_none())
    .bind(changes)
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes the event (attendees and exceptions with it) and leaves a tombstone.
pub async fn delete(
    db: &mut Connection,
    folder: i64,
    id: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    folders::remove_item(db, folder, folders::FolderKind::Calendar, id, now).await
}

pub async fn get<'e>(
    db: impl Executes<'e>,
    folder: i64,
    id: i64,
) -> Result<Option<EventRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM events WHERE folder_id = $1 AND id = $2"
    ))
    .bind(folder)
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn by_uid<'e>(
    db: impl Executes<'e>,
    folder: i64,
    uid: &str,
) -> Result<Option<EventRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM events WHERE folder_id = $1 AND uid = $2"
    ))
    .bind(folder)
    .bind(uid)
    .fetch_optional(db)
    .await
}

#[derive(FromRow)]
struct AttendeeRow {
    name: String,
    email: String,
    response: String,
}

pub async fn attendees(pool: &Pool, event: i64) -> Result<Vec<Attendee>, sqlx::Error> {
    let rows: Vec<AttendeeRow> = sqlx::query_as(
        "SELECT name, email, response FROM event_attendees WHERE event_id = $1 ORDER BY position",
    )
    .bind(event)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Attendee {
            name: r.name,
            email: r.email,
            response: Response::from_code(&r.response).unwrap_or_default(),
        })
        .collect())
}

#[derive(FromRow)]
struct ExceptionRow {
    #[sqlx(default)]
    event_id: i64,
    original_start: i64,
    #[sqlx(try_from = "Flag")]
    deleted: bool,
    changes: Option<String>,
}

impl ExceptionRow {
    fn exception(self) -> Exception {
        Exception {
            original_start: self.original_start,
            changes: if self.deleted {
                None
            } else {
                self.changes
                    .as_deref()
                    .and_then(|c| serde_json::from_str::<Occurrence>(c).ok())
            },
        }
    }
}

/// The series' exceptions in the order of the occurrences they replace.
pub async fn exceptions(pool: &Pool, event: i64) -> Result<Vec<Exception>, sqlx::Error> {
    let rows: Vec<ExceptionRow> = sqlx::query_as(
        "SELECT original_start, deleted, changes FROM event_exceptions WHERE event_id = $1 ORDER BY original_start",
    )
    .bind(event)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(ExceptionRow::exception).collect())
}

/// The exceptions of every series `overlapping` finds for the same window, by event, in one
/// query (a view reads them all at once, not one query per series).
pub async fn exceptions_overlapping(
    pool: &Pool,
    folder: i64,
    from: i64,
    to: i64,
) -> Result<std::collections::HashMap<i64, Vec<Exception>>, sqlx::Error> {
    let rows: Vec<ExceptionRow> = sqlx::query_as(
        "SELECT x.event_id, x.original_start, x.deleted, x.changes FROM event_exceptions x \
         JOIN events e ON e.id = x.event_id WHERE e.folder_id = $1 AND e.rrule IS NOT NULL \
         AND e.range_start < $3 AND (e.range_end IS NULL OR e.range_end > $2) \
         ORDER BY x.event_id, x.original_start",
    )
    .bind(folder)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    let mut by_event = std::collections::HashMap::<i64, Vec<Exception>>::new();
    for row in rows {
        by_event
            .entry(row.event_id)
            .or_default()
            .push(row.exception());
    }
    Ok(by_event)
}

/// The events of the folder with an occurrence that may fall in `[from, to)` (UTC seconds).
pub async fn overlapping(
    pool: &Pool,
    folder: i64,
    from: i64,
    to: i64,
) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM events WHERE folder_id = $1 AND range_start < $3 \
         AND (range_end IS NULL OR range_end > $2) ORDER BY range_start, id"
    ))
    .bind(folder)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
}

/// Every event of the folder (for an export), in the order they were added.
pub async fn all(pool: &Pool, folder: i64) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM events WHERE folder_id = $1 ORDER BY id"
    ))
    .bind(folder)
    .fetch_all(pool)
    .await
}

/// The events of the folder with these ids (a sync window), in one query each for the rows,
/// their attendees and their exceptions.
pub async fn with_details(
    db: &mut Connection,
    folder: i64,
    ids: &[i64],
) -> Result<Vec<(EventRow, Vec<Attendee>, Vec<Exception>)>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Numbers only: safe to write into the statement, and one statement for the window.
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let rows: Vec<EventRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM events WHERE folder_id = $1 AND id IN ({list})"
    ))
    .bind(folder)
    .fetch_all(&mut *db)
    .await?;
    #[derive(FromRow)]
    struct Listed {
        event_id: i64,
        name: String,
        email: String,
        response: String,
    }
    let people: Vec<Listed> = sqlx::query_as(&format!(
        "SELECT event_id, name, email, response FROM event_attendees WHERE event_id IN ({list}) \
         ORDER BY event_id, position"
    ))
    .fetch_all(&mut *db)
    .await?;
    let changed: Vec<ExceptionRow> = sqlx::query_as(&format!(
        "SELECT event_id, original_start, deleted, changes FROM event_exceptions \
         WHERE event_id IN ({list}) ORDER BY event_id, original_start"
    ))
    .fetch_all(&mut *db)
    .await?;
    let mut attendees = std::collections::HashMap::<i64, Vec<Attendee>>::new();
    for p in people {
        attendees.entry(p.event_id).or_default().push(Attendee {
            name: p.name,
            email: p.email,
            response: Response::from_code(&p.response).unwrap_or_default(),
        });
    }
    let mut exceptions = std::collections::HashMap::<i64, Vec<Exception>>::new();
    for x in changed {
        exceptions
            .entry(x.event_id)
            .or_default()
            .push(x.exception());
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let a = attendees.remove(&row.id).unwrap_or_default();
            let x = exceptions.remove(&row.id).unwrap_or_default();
            (row, a, x)
        })
        .collect())
}

/// Replaces the series' exceptions with these (a phone sends them all with the series; the
/// caller has taken the event's new sequence number).
pub async fn replace_exceptions(
    db: &mut Connection,
    id: i64,
    exceptions: &[Exception],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM event_exceptions WHERE event_id = $1")
        .bind(id)
        .execute(&mut *db)
        .await?;
    for x in exceptions {
        put_exception(db, id, x).await?;
    }
    Ok(())
}

/// Whether the folder has an event with this UID (a phone's `ClientUid` is kept only when free).
pub async fn uid_taken(db: &mut Connection, folder: i64, uid: &str) -> Result<bool, sqlx::Error> {
    Ok(by_uid(&mut *db, folder, uid).await?.is_some())
}

/// The events of the folder whose every occurrence ended before `since` (a series without end
/// never does).
pub async fn ended_before(
    db: &mut Connection,
    folder: i64,
    since: i64,
) -> Result<std::collections::BTreeSet<i64>, sqlx::Error> {
    let ids: Vec<(i64,)> = sqlx::query_as(
        "SELECT id FROM events WHERE folder_id = $1 AND range_end IS NOT NULL AND range_end <= $2",
    )
    .bind(folder)
    .bind(since)
    .fetch_all(&mut *db)
    .await?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}

/// Sets the event's categories (a phone's; the console's form leaves them as they are).
pub async fn set_categories(
    db: &mut Connection,
    id: i64,
    categories: &[String],
) -> Result<(), sqlx::Error> {
    // A list of strings: serialising it cannot fail.
    let json = serde_json::to_string(categories).unwrap_or_else(|_| "[]".into());
    sqlx::query("UPDATE events SET categories = $2 WHERE id = $1")
        .bind(id)
        .bind(json)
        .execute(&mut *db)
        .await?;
    Ok(())
}
