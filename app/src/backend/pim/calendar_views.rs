//! The calendar as the pages show it, in the user's zone: a month of whole weeks, an agenda
//! of the coming days, one event or one occurrence as its form has it.

use super::calendar::{self, user_zone, Scheduled};
use super::event_form::{form_of, occurrence_form, to_event, to_occurrence};
use super::local_time::{hhmm, to_local, to_utc};
use super::recurrence::{self, zone};
use crate::backend::error::Error;
use crate::backend::state::AppState;
use crate::domain::date::Date;
use crate::domain::ids::UserId;
use crate::domain::messages::Msg;
use crate::domain::model::calendar::{Event, Exception, Occurrence, When};
use crate::domain::model::calendar_view::{AgendaView, Day, Entry, EventView, MonthView};
use crate::domain::model::event_form::EventForm;
use chrono_tz::Tz;

/// How many days the agenda shows.
pub const AGENDA_DAYS: i64 = 30;

struct Zone {
    name: String,
    tz: Tz,
    today: Date,
}

async fn zone_of(state: &AppState, user: UserId) -> Result<Zone, Error> {
    let name = user_zone(state, user).await?;
    let tz = zone(&name).unwrap_or(chrono_tz::UTC);
    let today = to_local(state.now(), tz)
        .map(|(d, _)| d)
        .ok_or_else(|| Error::internal("the clock is outside years 1 to 9999"))?;
    Ok(Zone { name, tz, today })
}

fn bad_date() -> Error {
    Error::invalid("date", Msg::DateInvalid)
}

/// The days `[from, to)` with what happens on each.
async fn days(
    state: &AppState,
    user: UserId,
    z: &Zone,
    from: Date,
    to: Date,
) -> Result<Vec<Day>, Error> {
    let start = to_utc(from, 0, z.tz).ok_or_else(bad_date)?;
    let end = to_utc(to, 0, z.tz).ok_or_else(bad_date)?;
    let mut days: Vec<Day> = (0..to.days_since_epoch() - from.days_since_epoch())
        .filter_map(|i| from.add_days(i))
        .map(|date| Day {
            date,
            entries: Vec::new(),
        })
        .collect();
    for s in calendar::window(state, user, start, end).await? {
        place(&mut days, from, &s, z.tz);
    }
    Ok(days)
}

/// Puts an occurrence on every day of the grid it covers.
fn place(days: &mut [Day], first: Date, s: &Scheduled, tz: Tz) {
    let entry = |time: Option<String>| Entry {
        event_id: s.event_id,
        at: s.recurring.then_some(s.occurrence.original_start),
        title: s.title.clone(),
        time,
    };
    let covered: Vec<(Date, Option<String>)> = match &s.occurrence.when {
        When::AllDay { start, end } => (0..end.days_since_epoch() - start.days_since_epoch())
            .filter_map(|i| start.add_days(i))
            .map(|d| (d, None))
            .collect(),
        When::Timed { start, end, .. } => {
            let (Some((sd, st)), Some((ld, lt))) =
                (to_local(*start, tz), to_local((*end - 1).max(*start), tz))
            else {
                return;
            };
            let label = if sd == ld {
                format!("{}–{}", hhmm(st), hhmm(lt + u32::from(*end > *start)))
            } else {
                format!("{} →", hhmm(st))
            };
            (0..=ld.days_since_epoch() - sd.days_since_epoch())
                .filter_map(|i| sd.add_days(i))
                .map(|d| (d, (d == sd).then(|| label.clone())))
                .collect()
        }
    };
    for (date, time) in covered {
        let i = date.days_since_epoch() - first.days_since_epoch();
        if let Some(day) = usize::try_from(i).ok().and_then(|i| days.get_mut(i)) {
            day.entries.push(entry(time));
        }
    }
}

/// A month (`None`: this one) as whole weeks, Monday first.
pub async fn month(
    state: &AppState,
    user: UserId,
    month: Option<(i32, u8)>,
) -> Result<MonthView, Error> {
    let z = zone_of(state, user).await?;
    let (year, month) = month.unwrap_or((z.today.year(), z.today.month()));
    let (first, len) = Date::month_span(year, month).ok_or_else(bad_date)?;
    let last = first.add_days(i64::from(len) - 1).ok_or_else(bad_date)?;
    let from = first
        .add_days(-i64::from(first.weekday()))
        .ok_or_else(bad_date)?;
    let to = last
        .add_days(7 - i64::from(last.weekday()))
        .ok_or_else(bad_date)?;
    Ok(MonthView {
        year,
        month,
        today: z.today,
        days: days(state, user, &z, from, to).await?,
        time_zone: z.name,
    })
}

/// The days from `from` (`None`: today) that have something, `AGENDA_DAYS` of them.
pub async fn agenda(
    state: &AppState,
    user: UserId,
    from: Option<Date>,
) -> Result<AgendaView, Error> {
    let z = zone_of(state, user).await?;
    let from = from.unwrap_or(z.today);
    let to = from.add_days(AGENDA_DAYS).ok_or_else(bad_date)?;
    let mut days = days(state, user, &z, from, to).await?;
    days.retain(|d| !d.entries.is_empty());
    Ok(AgendaView {
        from,
        to,
        today: z.today,
        time_zone: z.name,
        days,
    })
}

/// An event, or (`at`) one occurrence of a series.
pub async fn event(
    state: &AppState,
    user: UserId,
    id: i64,
    at: Option<i64>,
) -> Result<EventView, Error> {
    let (event, exceptions) = calendar::get(state, user, id).await?;
    let zone = user_zone(state, user).await?;
    let recurring = event.rrule.is_some();
    let Some(at) = at.filter(|_| recurring) else {
        return Ok(EventView {
            id,
            at: None,
            form: form_of(&event, &zone),
            recurring,
            changed: false,
        });
    };
    let (occurrence, changed) = occurrence_at(&event, &exceptions, at)?.ok_or(Error::NotFound)?;
    Ok(EventView {
        id,
        at: Some(at),
        form: occurrence_form(&event, &occurrence, &zone),
        recurring,
        changed,
    })
}

/// The occurrence of a series that started at `at` in it: changed, as the series has it, or
/// none (deleted, or not one of its starts).
fn occurrence_at(
    e: &Event,
    exceptions: &[Exception],
    at: i64,
) -> Result<Option<(Occurrence, bool)>, Error> {
    if let Some(x) = exceptions.iter().find(|x| x.original_start == at) {
        return Ok(x.changes.clone().map(|c| (c, true)));
    }
    let found = recurrence::occurrences(e, &[], at, at + 1)
        .map_err(|(field, msg)| Error::Invalid { field, msg })?
        .into_iter()
        .find(|o| o.original_start == at);
    Ok(found.map(|o| (e.clone().occurrence(o.when), false)))
}

/// A new event's form: on `date` (else today) from 09:00 to 10:00 in the user's zone.
pub async fn blank(state: &AppState, user: UserId, date: Option<Date>) -> Result<EventForm, Error> {
    let z = zone_of(state, user).await?;
    let day = date.unwrap_or(z.today).to_string();
    Ok(EventForm {
        title: String::new(),
        location: String::new(),
        description: String::new(),
        all_day: false,
        start_date: day.clone(),
        start_time: "09:00".into(),
        end_date: day,
        end_time: "10:00".into(),
        time_zone: z.name,
        reminder_minutes: Some(15),
        busy: Default::default(),
        sensitivity: Default::default(),
        repeat: None,
        other_rule: None,
        attendees: Vec::new(),
    })
}

/// Saves the form: a new event (`id` none), the whole series or event, or (`at`) one
/// occurrence of a series. Returns the event's id.
pub async fn save(
    state: &AppState,
    user: UserId,
    id: Option<i64>,
    at: Option<i64>,
    form: EventForm,
) -> Result<i64, Error> {
    let invalid = |(field, msg)| Error::Invalid { field, msg };
    match (id, at) {
        (None, _) => calendar::create(state, user, to_event(form).map_err(invalid)?).await,
        (Some(id), None) => {
            calendar::update(state, user, id, to_event(form).map_err(invalid)?).await?;
            Ok(id)
        }
        (Some(id), Some(at)) => {
            let changes = to_occurrence(form).map_err(invalid)?;
            let x = Exception {
                original_start: at,
                changes: Some(changes),
            };
            calendar::set_exception(state, user, id, x).await?;
            Ok(id)
        }
    }
}

/// Deletes the event (the whole series), or (`at`) one occurrence of it.
pub async fn remove(state: &AppState, user: UserId, id: i64, at: Option<i64>) -> Result<(), Error> {
    match at {
        None => calendar::delete(state, user, id).await,
        Some(at) => {
            let x = Exception {
                original_start: at,
                changes: None,
            };
            calendar::set_exception(state, user, id, x).await
        }
    }
}

#[cfg(test)]
#[path = "calendar_views_tests.rs"]
mod tests;
