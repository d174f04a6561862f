//! The signed-in user's calendar: every operation is on the caller's own default Calendar
//! folder, checked (fields, zone, rule) before anything is written, and announced to the
//! user's waiting phones after it committed.

use super::change_folder;
use super::contacts::new_uid;
use super::invitations;
use super::recurrence::{self, Occurrence};
use crate::backend::error::Error;
use crate::backend::state::AppState;
use crate::backend::store::pim::{events as store, folders, FolderKind, FolderRow};
use crate::domain::ids::UserId;
use crate::domain::model::calendar::{Event, Exception, Response};
use crate::domain::model::contacts::FieldError;

/// The widest window a view may ask for (a month view with its edges is ~6 weeks).
pub const WINDOW_MAX_SECS: i64 = 400 * 86_400;

async fn folder(state: &AppState, user: UserId) -> Result<FolderRow, Error> {
    folders::default_folder(&state.pool, user, FolderKind::Calendar, state.now())
        .await
        .map_err(Error::internal)
}

fn invalid((field, msg): FieldError) -> Error {
    Error::Invalid { field, msg }
}

/// The event normalised and checked, the first wrong field reported.
pub fn checked(e: Event) -> Result<Event, Error> {
    let e = e.normalised().map_err(|errors| match errors.first() {
        Some(&first) => invalid(first),
        None => Error::internal("an event refused without a reason"),
    })?;
    recurrence::check(&e).map_err(invalid)?;
    Ok(e)
}

/// The zone all-day events are kept with, and views are shown in, for this user.
pub async fn user_zone(state: &AppState, user: UserId) -> Result<String, Error> {
    let zone = folders::user_time_zone(&state.pool, user)
        .await
        .map_err(Error::internal)?;
    Ok(if recurrence::zone(&zone).is_some() {
        zone
    } else {
        "UTC".into()
    })
}

/// The zone the user's calendar is shown in and new events start in.
pub async fn set_time_zone(state: &AppState, user: UserId, name: &str) -> Result<String, Error> {
    let tz = recurrence::zone(name.trim()).ok_or(Error::Invalid {
        field: "time_zone",
        msg: crate::domain::messages::Msg::TimeZoneUnknown,
    })?;
    folders::set_user_time_zone(&state.pool, user, tz.name())
        .await
        .map_err(Error::internal)?;
    Ok(tz.name().to_string())
}

/// An event as attendees are sent it: its UID, its revision (the folder's sequence number of
/// its last change), the event and its exceptions.
struct Snapshot {
    uid: String,
    seq: i64,
    event: Event,
    exceptions: Vec<Exception>,
}

async fn snapshot(state: &AppState, f: &FolderRow, id: i64) -> Option<Snapshot> {
    let row = store::get(&state.pool, f.id, id).await.ok()??;
    let attendees = store::attendees(&state.pool, id).await.ok()?;
    let exceptions = store::exceptions(&state.pool, id).await.ok()?;
    Some(Snapshot {
        uid: row.uid.clone(),
        seq: row.seq,
        event: row.event(attendees)?,
        exceptions,
    })
}

/// Whether the event as it was has anyone to tell (else a change needs no second read).
fn invites(before: Option<&Snapshot>) -> bool {
    before.is_some_and(|b| !b.event.attendees.is_empty())
}

/// Mails the attendees what a change means for them (after it committed).
async fn tell_attendees(
    state: &AppState,
    user: UserId,
    before: Option<&Snapshot>,
    after: Option<&Snapshot>,
) {
    let Some(named) = after.or(before) else {
        return;
    };
    // A cancellation is a revision after the last one sent.
    let seq = after.map_or(named.seq + 1, |a| a.seq);
    invitations::send(
        state,
        user,
        &named.uid,
        seq,
        before.map(|b| (&b.event, b.exceptions.as_slice())),
        after.map(|a| (&a.event, a.exceptions.as_slice())),
    )
    .await;
}

pub async fn create(state: &AppState, user: UserId, event: Event) -> Result<i64, Error> {
    let event = checked(event)?;
    let range = recurrence::span(&event, &[]).map_err(invalid)?;
    let f = folder(state, user).await?;
    let zone = user_zone(state, user).await?;
    let now = state.now();
    let id = change_folder(state, user, f.id, async |db| {
        store::insert(db, f.id, &new_uid(), &event, &zone, range, now)
            .await
            .map(Some)
    })
    .await?
    .ok_or_else(|| Error::internal("a new random UID was already taken"))?;
    if !event.attendees.is_empty() {
        tell_attendees(state, user, None, snapshot(state, &f, id).await.as_ref()).await;
    }
    Ok(id)
}

/// Changes the whole series (its exceptions stay, named by their original starts).
pub async fn update(state: &AppState, user: UserId, id: i64, event: Event) -> Result<(), Error> {
    let event = checked(event)?;
    let f = folder(state, user).await?;
    // Another user's event is not found before anything of it is read.
    store::get(&state.pool, f.id, id)
        .await
        .map_err(Error::internal)?
        .ok_or(Error::NotFound)?;
    let exceptions = store::exceptions(&state.pool, id)
        .await
        .map_err(Error::internal)?;
    let range = recurrence::span(&event, &exceptions).map_err(invalid)?;
    let zone = user_zone(state, user).await?;
    let now = state.now();
    let before = snapshot(state, &f, id).await;
    change_folder(state, user, f.id, async |db| {
        Ok(store::update(db, f.id, id, &event, &zone, range, now)
            .await?
            .then_some(()))
    })
    .await?;
    if invites(before.as_ref()) || !event.attendees.is_empty() {
        let after = snapshot(state, &f, id).await;
        tell_attendees(state, user, before.as_ref(), after.as_ref()).await;
    }
    Ok(())
}

/// Changes or deletes one occurrence of a series.
pub async fn set_exception(
    state: &AppState,
    user: UserId,
    id: i64,
    x: Exception,
) -> Result<(), Error> {
    let f = folder(state, user).await?;
    let (event, mut exceptions) = load(state, &f, id).await?;
    if event.rrule.is_none() {
        return Err(Error::NotFound);
    }
    let is_occurrence =
        recurrence::occurrences(&event, &[], x.original_start, x.original_start + 1)
            .map_err(invalid)?
            .iter()
            .any(|o| o.original_start == x.original_start);
    if !is_occurrence {
        return Err(Error::NotFound);
    }
    if let Some(changes) = &x.changes {
        let mut whole = event.clone();
        whole.title = changes.title.clone();
        whole.when = changes.when.clone();
        whole.rrule = None;
        checked(whole)?;
    }
    exceptions.retain(|e| e.original_start != x.original_start);
    exceptions.push(x.clone());
    let range = recurrence::span(&event, &exceptions).map_err(invalid)?;
    let zone = user_zone(state, user).await?;
    let now = state.now();
    let before = snapshot(state, &f, id).await;
    change_folder(state, user, f.id, async |db| {
        let found = store::set_exception(db, f.id, id, &x, now).await?
            && store::update(db, f.id, id, &event, &zone, range, now).await?;
        Ok(found.then_some(()))
    })
    .await?;
    if invites(before.as_ref()) {
        let after = snapshot(state, &f, id).await;
        tell_attendees(state, user, before.as_ref(), after.as_ref()).await;
    }
    Ok(())
}

/// The user's answer to an event they are invited to (a phone's MeetingResponse): their own
/// entry among the attendees, found by their address, takes the response. `NotFound` when
/// there is no such event or the user is not among its attendees (they organise it).
pub async fn respond(
    state: &AppState,
    user: UserId,
    id: i64,
    own_email: &str,
    response: Response,
) -> Result<(), Error> {
    let f = folder(state, user).await?;
    let (mut event, exceptions) = load(state, &f, id).await?;
    let me = event
        .attendees
        .iter_mut()
        .find(|a| !own_email.is_empty() && a.email.eq_ignore_ascii_case(own_email))
        .ok_or(Error::NotFound)?;
    if me.response == response {
        return Ok(());
    }
    me.response = response;
    let range = recurrence::span(&event, &exceptions).map_err(invalid)?;
    let zone = user_zone(state, user).await?;
    let now = state.now();
    change_folder(state, user, f.id, async |db| {
        Ok(store::update(db, f.id, id, &event, &zone, range, now)
            .await?
            .then_some(()))
    })
    .await
}

pub async fn delete(state: &AppState, user: UserId, id: i64) -> Result<(), Error> {
    let f = folder(state, user).await?;
    let now = state.now();
    let before = snapshot(state, &f, id).await;
    change_folder(state, user, f.id, async |db| {
        Ok(store::delete(db, f.id, id, now).await?.then_some(()))
    })
    .await?;
    if invites(before.as_ref()) {
        tell_attendees(state, user, before.as_ref(), None).await;
    }
    Ok(())
}

async fn load(state: &AppState, f: &FolderRow, id: i64) -> Result<(Event, Vec<Exception>), Error> {
    let row = store::get(&state.pool, f.id, id)
        .await
        .map_err(Error::internal)?
        .ok_or(Error::NotFound)?;
    let attendees = store::attendees(&state.pool, id)
        .await
        .map_err(Error::internal)?;
    let exceptions = store::exceptions(&state.pool, id)
        .await
        .map_err(Error::internal)?;
    let event = row.event(attendees).ok_or(Error::NotFound)?;
    Ok((event, exceptions))
}

/// The event with its exceptions.
pub async fn get(
    state: &AppState,
    user: UserId,
    id: i64,
) -> Result<(Event, Vec<Exception>), Error> {
    let f = folder(state, user).await?;
    load(state, &f, id).await
}

/// One occurrence in a view: which event, its title and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scheduled {
    pub event_id: i64,
    pub recurring: bool,
    pub title: String,
    pub occurrence: Occurrence,
}

/// Everything happening in `[from, to)` (UTC seconds), in start order.
pub async fn window(
    state: &AppState,
    user: UserId,
    from: i64,
    to: i64,
) -> Result<Vec<Scheduled>, Error> {
    if to <= from || to - from > WINDOW_MAX_SECS {
        return Err(Error::invalid(
            "window",
            crate::domain::messages::Msg::TooLong,
        ));
    }
    let f = folder(state, user).await?;
    // An all-day event's span is in UTC days: widen by a day so every zone's view finds it.
    let (wide_from, wide_to) = (from - 86_400, to + 86_400);
    let rows = store::overlapping(&state.pool, f.id, wide_from, wide_to)
        .await
        .map_err(Error::internal)?;
    let mut all_exceptions = store::exceptions_overlapping(&state.pool, f.id, wide_from, wide_to)
        .await
        .map_err(Error::internal)?;
    let mut out = Vec::new();
    for row in rows {
        let Some(event) = row.event(Vec::new()) else {
            continue;
        };
        let exceptions = all_exceptions.remove(&row.id).unwrap_or_default();
        let Ok(occurrences) = recurrence::occurrences(&event, &exceptions, from, to) else {
            continue;
        };
        for occurrence in occurrences {
            let title = exceptions
                .iter()
                .find(|x| occurrence.changed && x.original_start == occurrence.original_start)
                .and_then(|x| x.changes.as_ref().map(|c| c.title.clone()))
                .unwrap_or_else(|| event.title.clone());
            out.push(Scheduled {
                event_id: row.id,
                recurring: event.rrule.is_some(),
                title,
                occurrence,
            });
        }
    }
    out.sort_by_key(|s| (s.occurrence.when.utc_span().0, s.event_id));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::pim::test_support::state;
    use crate::domain::messages::Msg;
    use crate::domain::model::calendar::{BusyStatus, Occurrence as Changes, Sensitivity, When};

    const HOUR: i64 = 3600;
    const DAY: i64 = 86_400;
    /// Monday 2025-01-06 09:00 UTC.
    const MONDAY: i64 = 1_736_154_000;

    fn weekly(count: u32) -> Event {
        Event {
            title: "Riunione".into(),
            location: "Sala 1".into(),
            description: String::new(),
            when: When::Timed {
                start: MONDAY,
                end: MONDAY + HOUR,
                time_zone: "UTC".into(),
            },
            reminder_minutes: Some(10),
            busy: BusyStatus::Busy,
            sensitivity: Sensitivity::Normal,
            rrule: Some(format!("FREQ=WEEKLY;COUNT={count}")),
            attendees: vec![],
        }
    }

    #[tokio::test]
    async fn a_weekly_series_with_one_occurrence_moved_and_one_deleted() {
        let (_d, state, anna, _) = state().await;
        let id = create(&state, anna, weekly(4)).await.unwrap();
        let moved = Exception {
            original_start: MONDAY + 7 * DAY,
            changes: Some(Changes {
                title: "Riunione (spostata)".into(),
                location: String::new(),
                description: String::new(),
                when: When::Timed {
                    start: MONDAY + 8 * DAY + 5 * HOUR,
                    end: MONDAY + 8 * DAY + 6 * HOUR,
                    time_zone: "UTC".into(),
                },
                reminder_minutes: None,
                busy: BusyStatus::Busy,
            }),
        };
        set_exception(&state, anna, id, moved).await.unwrap();
        set_exception(
            &state,
            anna,
            id,
            Exception {
                original_start: MONDAY + 14 * DAY,
                changes: None,
            },
        )
        .await
        .unwrap();
        let month = window(&state, anna, MONDAY - DAY, MONDAY + 30 * DAY)
            .await
            .unwrap();
        let seen: Vec<(i64, &str)> = month
            .iter()
            .map(|s| (s.occurrence.when.utc_span().0, s.title.as_str()))
            .collect();
        assert_eq!(
            seen,
            vec![
                (MONDAY, "Riunione"),
                (MONDAY + 8 * DAY + 5 * HOUR, "Riunione (spostata)"),
                (MONDAY + 21 * DAY, "Riunione"),
            ]
        );
        let (_, exceptions) = get(&state, anna, id).await.unwrap();
        assert_eq!(exceptions.len(), 2);
        let not_an_occurrence = Exception {
            original_start: MONDAY + HOUR,
            changes: None,
        };
        assert!(matches!(
            set_exception(&state, anna, id, not_an_occurrence).await,
            Err(Error::NotFound)
        ));
    }

    #[tokio::test]
    async fn a_runaway_rule_is_refused_and_changes_nothing() {
        let (_d, state, anna, _) = state().await;
        let mut phone = state.folders.subscribe(anna);
        let refused = create(&state, anna, weekly(10_000_000)).await;
        assert!(matches!(
            refused,
            Err(Error::Invalid {
                field: "rrule",
                msg: Msg::RuleTooMany
            })
        ));
        assert!(!phone.has_changed().unwrap());
        assert!(window(&state, anna, 0, 300 * DAY).await.unwrap().is_empty());
        let id = create(&state, anna, weekly(2)).await.unwrap();
        assert_eq!(phone.borrow_and_update().count, 1);
        let mut bad = weekly(2);
        bad.when = When::Timed {
            start: MONDAY,
            end: MONDAY + HOUR,
            time_zone: "Nowhere/Else".into(),
        };
        assert!(matches!(
            update(&state, anna, id, bad).await,
            Err(Error::Invalid {
                field: "time_zone",
                ..
            })
        ));
        assert_eq!(
            get(&state, anna, id).await.unwrap().0,
            weekly(2).normalised().unwrap(),
            "unchanged"
        );
    }

    #[tokio::test]
    async fn no_one_reaches_another_users_calendar() {
        let (_d, state, anna, bob) = state().await;
        let id = create(&state, anna, weekly(2)).await.unwrap();
        assert!(matches!(get(&state, bob, id).await, Err(Error::NotFound)));
        assert!(matches!(
            update(&state, bob, id, weekly(3)).await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            delete(&state, bob, id).await,
            Err(Error::NotFound)
        ));
        let x = Exception {
            original_start: MONDAY,
            changes: None,
        };
        assert!(matches!(
            set_exception(&state, bob, id, x).await,
            Err(Error::NotFound)
        ));
        assert!(window(&state, bob, 0, 300 * DAY).await.unwrap().is_empty());
        delete(&state, anna, id).await.unwrap();
        assert!(window(&state, anna, MONDAY - DAY, MONDAY + 30 * DAY)
            .await
            .unwrap()
            .is_empty());
    }
}
