//! The event form ↔ the stored event: local times in the form's zone become UTC instants, the
//! repetition the form offers becomes an RFC 5545 rule and back. A rule the form cannot show
//! (from a phone or a file) is kept as it is.

use super::local_time::{hhmm, to_local, to_utc};
use super::recurrence::zone;
use crate::domain::date::Date;
use crate::domain::messages::Msg;
use crate::domain::model::calendar::{Event, Occurrence, When};
use crate::domain::model::contacts::FieldError;
use crate::domain::model::event_form::{
    nth_weekday, parse_time, Ends, EventForm, Frequency, Repeat, INTERVAL_MAX, WEEKDAYS,
};
use chrono_tz::Tz;

/// The event the form describes (not yet normalised: the calendar service does that).
pub fn to_event(form: EventForm) -> Result<Event, FieldError> {
    let (when, start_date, tz) = when_of(&form)?;
    let rrule = match &form.repeat {
        Some(r) => Some(to_rrule(r, start_date, tz)?),
        None => form.other_rule.clone().filter(|r| !r.trim().is_empty()),
    };
    Ok(Event {
        title: form.title,
        location: form.location,
        description: form.description,
        when,
        reminder_minutes: form.reminder_minutes,
        busy: form.busy,
        sensitivity: form.sensitivity,
        rrule,
        attendees: form.attendees,
    })
}

/// One occurrence as the form describes it (its repetition and attendees are the series').
pub fn to_occurrence(form: EventForm) -> Result<Occurrence, FieldError> {
    let (when, _, _) = when_of(&form)?;
    Ok(Occurrence {
        title: form.title,
        location: form.location,
        description: form.description,
        when,
        reminder_minutes: form.reminder_minutes,
        busy: form.busy,
    })
}

/// When, the first day, and the zone a rule repeats in (UTC for all-day events: their
/// occurrences are dates).
fn when_of(form: &EventForm) -> Result<(When, Date, Tz), FieldError> {
    let start = Date::parse(&form.start_date).ok_or(("start", Msg::DateInvalid))?;
    let end = if form.end_date.trim().is_empty() {
        start
    } else {
        Date::parse(&form.end_date).ok_or(("end", Msg::DateInvalid))?
    };
    if form.all_day {
        let end = end.next().ok_or(("end", Msg::DateInvalid))?;
        return Ok((When::AllDay { start, end }, start, chrono_tz::UTC));
    }
    let tz = zone(form.time_zone.trim()).ok_or(("time_zone", Msg::TimeZoneUnknown))?;
    let from = parse_time(&form.start_time).ok_or(("start", Msg::TimeInvalid))?;
    let to = parse_time(&form.end_time).ok_or(("end", Msg::TimeInvalid))?;
    let when = When::Timed {
        start: to_utc(start, from, tz).ok_or(("start", Msg::DateInvalid))?,
        end: to_utc(end, to, tz).ok_or(("end", Msg::DateInvalid))?,
        time_zone: tz.name().to_string(),
    };
    Ok((when, start, tz))
}

/// The form for an event (`zone`: the user's, for an all-day event and as the default).
pub fn form_of(e: &Event, user_zone: &str) -> EventForm {
    let (all_day, start_date, start_time, end_date, end_time, time_zone) =
        local_fields(&e.when, user_zone);
    let tz = zone(&time_zone).unwrap_or(chrono_tz::UTC);
    let first = Date::parse(&start_date);
    let repeat = match (&e.rrule, first) {
        (Some(rule), Some(first)) => {
            from_rrule(rule, first, if all_day { chrono_tz::UTC } else { tz })
        }
        _ => None,
    };
    EventForm {
        title: e.title.clone(),
        location: e.location.clone(),
        description: e.description.clone(),
        all_day,
        start_date,
        start_time,
        end_date,
        end_time,
        time_zone,
        reminder_minutes: e.reminder_minutes,
        busy: e.busy,
        sensitivity: e.sensitivity,
        other_rule: if repeat.is_none() {
            e.rrule.clone()
        } else {
            None
        },
        repeat,
        attendees: e.attendees.clone(),
    }
}

/// The form for one occurrence of a series: the series' fields with the occurrence's own.
pub fn occurrence_form(e: &Event, o: &Occurrence, user_zone: &str) -> EventForm {
    let mut form = form_of(e, user_zone);
    let (all_day, start_date, start_time, end_date, end_time, time_zone) =
        local_fields(&o.when, user_zone);
    form.title = o.title.clone();
    form.location = o.location.clone();
    form.description = o.description.clone();
    form.reminder_minutes = o.reminder_minutes;
    form.busy = o.busy;
    form.all_day = all_day;
    (
        form.start_date,
        form.start_time,
        form.end_date,
        form.end_time,
    ) = (start_date, start_time, end_date, end_time);
    form.time_zone = time_zone;
    form.repeat = None;
    form.other_rule = None;
    form
}

type LocalFields = (bool, String, String, String, String, String);

fn local_fields(when: &When, user_zone: &str) -> LocalFields {
    match when {
        When::Timed {
            start,
            end,
            time_zone,
        } => {
            let tz = zone(time_zone).unwrap_or(chrono_tz::UTC);
            let zone_name = tz.name().to_string();
            // Stored instants are within years 1..9999: they always have a local time.
            let Some((sd, st)) = to_local(*start, tz) else {
                return (
                    false,
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    zone_name,
                );
            };
            let (ed, et) = to_local(*end, tz).unwrap_or((sd, st));
            (
                false,
                sd.to_string(),
                hhmm(st),
                ed.to_string(),
                hhmm(et),
                zone_name,
            )
        }
        When::AllDay { start, end } => {
            let last = end.add_days(-1).filter(|l| l >= start).unwrap_or(*start);
            let zone_name = user_zone.to_string();
            (
                true,
                start.to_string(),
                String::new(),
                last.to_string(),
                String::new(),
                zone_name,
            )
        }
    }
}

/// The RFC 5545 rule of a repetition starting on `first` in `tz`.
pub fn to_rrule(r: &Repeat, first: Date, tz: Tz) -> Result<String, FieldError> {
    if !(1..=INTERVAL_MAX).contains(&r.interval) {
        return Err(("interval", Msg::RuleInvalid));
    }
    let weekday = WEEKDAYS[usize::from(first.weekday())];
    let mut rule = match r.frequency {
        Frequency::Daily => "FREQ=DAILY".to_string(),
        Frequency::Weekly => {
            let mut days: Vec<u8> = r.weekdays.iter().copied().filter(|d| *d < 7).collect();
            days.sort_unstable();
            days.dedup();
            if days.is_empty() {
                days.push(first.weekday());
            }
            let names: Vec<&str> = days.iter().map(|d| WEEKDAYS[usize::from(*d)]).collect();
            format!("FREQ=WEEKLY;BYDAY={}", names.join(","))
        }
        Frequency::MonthlyByDay => "FREQ=MONTHLY".to_string(),
        Frequency::MonthlyByWeekday => {
            format!("FREQ=MONTHLY;BYDAY={}{weekday}", nth_weekday(first))
        }
        Frequency::MonthlyByLastWeekday => format!("FREQ=MONTHLY;BYDAY=-1{weekday}"),
        Frequency::Yearly => "FREQ=YEARLY".to_string(),
    };
    if r.interval > 1 {
        rule.push_str(&format!(";INTERVAL={}", r.interval));
    }
    match r.ends {
        Ends::Never => {}
        Ends::Count { count } => {
            if count == 0 {
                return Err(("count", Msg::RuleInvalid));
            }
            rule.push_str(&format!(";COUNT={count}"));
        }
        Ends::Until { date } => {
            if date < first {
                return Err(("until", Msg::EndBeforeStart));
            }
            // The end of that day where the event happens, in UTC as RFC 5545 asks.
            let last = to_utc(date, 23 * 60 + 59, tz).ok_or(("until", Msg::DateInvalid))? + 59;
            let until = chrono::DateTime::from_timestamp(last, 0)
                .ok_or(("until", Msg::DateInvalid))?
                .format("%Y%m%dT%H%M%SZ");
            rule.push_str(&format!(";UNTIL={until}"));
        }
    }
    Ok(rule)
}

/// The repetition a rule is, if the form can show it exactly.
pub fn from_rrule(rule: &str, first: Date, tz: Tz) -> Option<Repeat> {
    let mut parts = std::collections::BTreeMap::new();
    for part in rule.trim().trim_start_matches("RRULE:").split(';') {
        let (k, v) = part.split_once('=')?;
        parts.insert(k.trim().to_ascii_uppercase(), v.trim().to_ascii_uppercase());
    }
    let take = |parts: &mut std::collections::BTreeMap<String, String>, k: &str| parts.remove(k);
    let freq = take(&mut parts, "FREQ")?;
    let interval = match take(&mut parts, "INTERVAL") {
        Some(i) => i.parse().ok().filter(|i| (1..=INTERVAL_MAX).contains(i))?,
        None => 1,
    };
    let ends = match (take(&mut parts, "COUNT"), take(&mut parts, "UNTIL")) {
        (None, None) => Ends::Never,
        (Some(c), None) => Ends::Count {
            count: c.parse().ok()?,
        },
        (None, Some(u)) => Ends::Until {
            date: until_date(&u, tz)?,
        },
        (Some(_), Some(_)) => return None,
    };
    if take(&mut parts, "WKST").is_some_and(|w| w != "MO") {
        return None;
    }
    let weekday = WEEKDAYS[usize::from(first.weekday())];
    let by_day = take(&mut parts, "BYDAY");
    if take(&mut parts, "BYMONTHDAY").is_some_and(|d| d != first.day().to_string()) {
        return None;
    }
    if take(&mut parts, "BYMONTH").is_some_and(|m| m != first.month().to_string()) {
        return None;
    }
    if !parts.is_empty() {
        return None;
    }
    let (frequency, weekdays) = match (freq.as_str(), by_day.as_deref()) {
        ("DAILY", None) => (Frequency::Daily, Vec::new()),
        ("WEEKLY", None) => (Frequency::Weekly, vec![first.weekday()]),
        ("WEEKLY", Some(days)) => {
            let mut list = Vec::new();
            for d in days.split(',') {
                list.push(WEEKDAYS.iter().position(|w| *w == d)? as u8);
            }
            list.sort_unstable();
            list.dedup();
            (Frequency::Weekly, list)
        }
        ("MONTHLY", None) => (Frequency::MonthlyByDay, Vec::new()),
        ("MONTHLY", Some(d)) if d == format!("-1{weekday}") => {
            (Frequency::MonthlyByLastWeekday, Vec::new())
        }
        ("MONTHLY", Some(d)) if d == format!("{}{weekday}", nth_weekday(first)) => {
            (Frequency::MonthlyByWeekday, Vec::new())
        }
        ("YEARLY", None) => (Frequency::Yearly, Vec::new()),
        _ => return None,
    };
    Some(Repeat {
        frequency,
        interval,
        weekdays,
        ends,
    })
}

/// `UNTIL` as the last day in the event's zone: `YYYYMMDD`, or a UTC or floating date-time.
fn until_date(value: &str, tz: Tz) -> Option<Date> {
    let date = Date::parse(value.get(..8)?)?;
    match value.get(8..) {
        None | Some("") => Some(date),
        Some(time) => {
            let utc = time.ends_with('Z');
            let digits = time.trim_start_matches('T').trim_end_matches('Z');
            let (h, m, s): (i64, i64, i64) = (
                digits.get(0..2)?.parse().ok()?,
                digits.get(2..4)?.parse().ok()?,
                digits.get(4..6)?.parse().ok()?,
            );
            if !utc {
                return Some(date);
            }
            let instant = date.midnight_utc() + h * 3600 + m * 60 + s;
            to_local(instant, tz).map(|(d, _)| d)
        }
    }
}

#[cfg(test)]
#[path = "event_form_tests.rs"]
mod tests;
