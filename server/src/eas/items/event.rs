//! An event ↔ its `ApplicationData` (MS-ASCAL, with AirSyncBase's Body and, from 16.0, its
//! Location), per protocol version:
//! - up to 14.1 an all-day event runs midnight to midnight in its zone, sent as UTC instants with
//!   that zone's blob, and a series' exceptions are named by `ExceptionStartTime`;
//! - from 16.0 all-day events are floating dates without a zone, exceptions are named by
//!   `InstanceId`, the location is `AirSyncBase:Location` and a phone's add brings `ClientUid`.
//!
//! Reading a phone's event merges it into the stored one: what it sent is set, what it left out
//! of what it supports is cleared, except what phones leave out without meaning "remove" (the
//! body, attendees, exceptions, a rule they were never sent).

use super::recurrence::{self, Recurrence};
use super::{categories, cut, parse_eas_time, timezone, Sent};
use crate::eas::wbxml::Element;
use app::backend::pim::local_time::{date_meant, midnight_in, to_local};
use app::backend::sync::{PatchContext, SyncedEvent};
use app::domain::date::Date;
use app::domain::messages::Msg;
use app::domain::model::calendar::{
    Attendee, BusyStatus, Event, Exception, Occurrence, Response, Sensitivity, When,
    DESCRIPTION_MAX, MAX_ATTENDEES, REMINDER_MAX_MINUTES, TITLE_MAX,
};
use app::domain::model::contacts::{FIELD_MAX, MAX_CATEGORIES};
use base64::Engine as _;

/// What differs between protocol versions and users.
#[derive(Clone, Debug)]
pub struct Dialect {
    /// 16.0 and 16.1.
    pub v16: bool,
    /// The user's zone: all-day events up to 14.1, and the zone preferred when a phone's blob
    /// matches several.
    pub zone: String,
    /// The user: the organizer of their events (iOS shows an event whose organizer is anyone
    /// else as an invitation).
    pub organizer_name: String,
    pub organizer_email: String,
    /// The title of a phone's event that came without one (the console requires one).
    pub untitled: String,
}

impl Dialect {
    pub fn for_version(version: &str) -> bool {
        version.starts_with("16.")
    }
}

const CAL: &str = "Calendar";

fn cal(tag: &str, text: impl Into<String>) -> Element {
    Element::leaf(CAL, tag, text)
}

/// `20261124T083000Z` (MS-ASDTYPE Compact DateTime, UTC).
pub fn compact(utc: i64) -> String {
    let date = Date::from_days_since_epoch(utc.div_euclid(86_400))
        .unwrap_or_else(|| Date::from_days_since_epoch(0).expect("the epoch is a date"));
    let s = utc.rem_euclid(86_400);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        date.year(),
        date.month(),
        date.day(),
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// A date as 16.x writes an all-day event's floating start and end and an all-day series'
/// `InstanceId`: the date's midnight written as if it were UTC, `20261124T000000Z`, with no
/// `TimeZone` (phones show it on that date wherever they are).
fn floating(date: Date) -> String {
    format!(
        "{:04}{:02}{:02}T000000Z",
        date.year(),
        date.month(),
        date.day()
    )
}

fn busy_code(b: BusyStatus, v16: bool) -> &'static str {
    match b {
        BusyStatus::Free => "0",
        BusyStatus::Tentative => "1",
        BusyStatus::Busy => "2",
        BusyStatus::OutOfOffice => "3",
        // "Working elsewhere" came with 16.0; older phones see it as free, as Exchange does.
        BusyStatus::WorkingElsewhere if v16 => "4",
        BusyStatus::WorkingElsewhere => "0",
    }
}

fn busy_of(code: &str) -> Option<BusyStatus> {
    Some(match code.trim() {
        "0" => BusyStatus::Free,
        "1" => BusyStatus::Tentative,
        "2" => BusyStatus::Busy,
        "3" => BusyStatus::OutOfOffice,
        "4" => BusyStatus::WorkingElsewhere,
        _ => return None,
    })
}

fn sensitivity_code(s: Sensitivity) -> &'static str {
    match s {
        Sensitivity::Normal => "0",
        Sensitivity::Personal => "1",
        Sensitivity::Private => "2",
        Sensitivity::Confidential => "3",
    }
}

fn sensitivity_of(code: &str) -> Option<Sensitivity> {
    Some(match code.trim() {
        "0" => Sensitivity::Normal,
        "1" => Sensitivity::Personal,
        "2" => Sensitivity::Private,
        "3" => Sensitivity::Confidential,
        _ => return None,
    })
}

/// MS-ASCAL AttendeeStatus: 0 unknown, 2 tentative, 3 accepted, 4 declined, 5 not responded.
fn response_code(r: Response) -> &'static str {
    match r {
        Response::None => "5",
        Response::Tentative => "2",
        Response::Accepted => "3",
        Response::Declined => "4",
    }
}

fn response_of(code: &str) -> Option<Response> {
    match code.trim() {
        "2" => Some(Response::Tentative),
        "3" => Some(Response::Accepted),
        "4" => Some(Response::Declined),
        "5" => Some(Response::None),
        _ => None,
    }
}

/// The zone a timed event is shown in, or the user's for an all-day one.
fn zone_of_event<'a>(when: &'a When, kept: &'a str) -> &'a str {
    match when {
        When::Timed { time_zone, .. } => time_zone,
        When::AllDay { .. } => kept,
    }
}

/// The local date of the event's first day (what a rule repeats from).
fn first_date(when: &When) -> Option<Date> {
    match when {
        When::Timed {
            start, time_zone, ..
        } => to_local(*start, time_zone.parse().ok()?).map(|(d, _)| d),
        When::AllDay { start, .. } => Some(*start),
    }
}

/// The `TimeZone` blob for `zone` in `year`, base64.
fn blob(zone: &str, year: i32) -> String {
    base64::engine::general_purpose::STANDARD.encode(timezone::encode(zone, year))
}

/// Start and end as this version writes them.
fn times(when: &When, kept: &str, v16: bool) -> (String, String) {
    match when {
        When::Timed { start, end, .. } => (compact(*start), compact(*end)),
        When::AllDay { start, end } if v16 => (floating(*start), floating(*end)),
        When::AllDay { start, end } => (
            compact(midnight_in(*start, kept)),
            compact(midnight_in(*end, kept)),
        ),
    }
}

/// How an occurrence is named: its original start as 14.x writes `ExceptionStartTime` and
/// 16.x `InstanceId` (a floating date for an all-day series).
fn instance_text(series: &When, original_start: i64, kept: &str, v16: bool) -> String {
    match series {
        When::Timed { .. } => compact(original_start),
        When::AllDay { .. } => {
            let date = Date::from_days_since_epoch(original_start.div_euclid(86_400));
            match date {
                Some(d) if v16 => floating(d),
                Some(d) => compact(midnight_in(d, kept)),
                None => compact(original_start),
            }
        }
    }
}

fn body(text: &str) -> Element {
    Element::new("AirSyncBase", "Body")
        .child(Element::leaf("AirSyncBase", "Type", "1"))
        .child(Element::leaf(
            "AirSyncBase",
            "EstimatedDataSize",
            text.len().to_string(),
        ))
        .child(Element::leaf("AirSyncBase", "Data", text))
}

fn location(text: &str, v16: bool) -> Element {
    if v16 {
        Element::new("AirSyncBase", "Location").child(Element::leaf(
            "AirSyncBase",
            "DisplayName",
            text,
        ))
    } else {
        cal("Location", text)
    }
}

fn recurrence_element(r: &Recurrence) -> Element {
    let mut e = Element::new(CAL, "Recurrence").child(cal("Type", r.kind.to_string()));
    if let Some(n) = r.occurrences {
        e = e.child(cal("Occurrences", n.to_string()));
    }
    e = e.child(cal("Interval", r.interval.to_string()));
    if let Some(w) = r.week_of_month {
        e = e.child(cal("WeekOfMonth", w.to_string()));
    }
    if let Some(d) = r.day_of_week {
        e = e.child(cal("DayOfWeek", d.to_string()));
    }
    if let Some(m) = r.month_of_year {
        e = e.child(cal("MonthOfYear", m.to_string()));
    }
    if let Some(u) = &r.until {
        e = e.child(cal("Until", u.as_str()));
    }
    if let Some(d) = r.day_of_month {
        e = e.child(cal("DayOfMonth", d.to_string()));
    }
    e
}

fn exception_element(series: &SyncedEvent, x: &Exception, d: &Dialect) -> Element {
    let e = &series.event;
    let name = instance_text(&e.when, x.original_start, &series.zone, d.v16);
    let mut out = Element::new(CAL, "Exception");
    let Some(c) = &x.changes else {
        return out.child(cal("Deleted", "1")).child(if d.v16 {
            Element::leaf("AirSyncBase", "InstanceId", name)
        } else {
            cal("ExceptionStartTime", name)
        });
    };
    out = out.child(if d.v16 {
        Element::leaf("AirSyncBase", "InstanceId", name)
    } else {
        cal("ExceptionStartTime", name)
    });
    out = out.child(cal("Subject", c.title.as_str()));
    let (start, end) = times(&c.when, &series.zone, d.v16);
    out = out
        .child(cal("StartTime", start))
        .child(cal("EndTime", end));
    if !c.description.is_empty() {
        out = out.child(body(&c.description));
    }
    if !c.location.is_empty() {
        out = out.child(location(&c.location, d.v16));
    }
    out = out.child(cal("BusyStatus", busy_code(c.busy, d.v16)));
    if matches!(c.when, When::AllDay { .. }) != matches!(e.when, When::AllDay { .. }) {
        let all_day = matches!(c.when, When::AllDay { .. });
        out = out.child(cal("AllDayEvent", if all_day { "1" } else { "0" }));
    }
    if let Some(m) = c.reminder_minutes {
        out = out.child(cal("Reminder", m.to_string()));
    }
    out
}

/// The event as a phone of this version is sent it.
pub fn write(item: &SyncedEvent, d: &Dialect) -> Vec<Element> {
    let e = &item.event;
    let all_day = matches!(e.when, When::AllDay { .. });
    let mut out = Vec::new();
    // Up to 14.1 every event carries its zone's real rules; from 16.0 an all-day event floats.
    if !(all_day && d.v16) {
        let zone = zone_of_event(&e.when, &item.zone);
        let year = first_date(&e.when).map_or(1970, Date::year);
        out.push(cal("TimeZone", blob(zone, year)));
    }
    out.push(cal("AllDayEvent", if all_day { "1" } else { "0" }));
    if !e.description.is_empty() {
        out.push(body(&e.description));
    }
    out.push(cal("BusyStatus", busy_code(e.busy, d.v16)));
    if !d.organizer_email.is_empty() {
        if !d.organizer_name.is_empty() {
            out.push(cal("OrganizerName", d.organizer_name.as_str()));
        }
        out.push(cal("OrganizerEmail", d.organizer_email.as_str()));
    }
    out.push(cal("DtStamp", compact(item.stamp)));
    let (start, end) = times(&e.when, &item.zone, d.v16);
    out.push(cal("EndTime", end));
    if !e.location.is_empty() {
        out.push(location(&e.location, d.v16));
    }
    if let Some(m) = e.reminder_minutes {
        out.push(cal("Reminder", m.to_string()));
    }
    out.push(cal("Sensitivity", sensitivity_code(e.sensitivity)));
    out.push(cal("Subject", e.title.as_str()));
    out.push(cal("StartTime", start));
    out.push(cal("UID", item.uid.as_str()));
    out.push(cal(
        "MeetingStatus",
        if e.attendees.is_empty() { "0" } else { "1" },
    ));
    if !item.categories.is_empty() {
        out.push(
            item.categories
                .iter()
                .fold(Element::new(CAL, "Categories"), |l, c| {
                    l.child(cal("Category", c.as_str()))
                }),
        );
    }
    if !e.attendees.is_empty() {
        let list = e
            .attendees
            .iter()
            .fold(Element::new(CAL, "Attendees"), |l, a| {
                let mut one = Element::new(CAL, "Attendee").child(cal("Email", a.email.as_str()));
                let name = if a.name.is_empty() { &a.email } else { &a.name };
                one = one
                    .child(cal("Name", name.as_str()))
                    .child(cal("AttendeeStatus", response_code(a.response)))
                    .child(cal("AttendeeType", "1"));
                l.child(one)
            });
        out.push(list);
    }
    let rule = e
        .rrule
        .as_deref()
        .zip(first_date(&e.when))
        .and_then(|(rule, first)| recurrence::from_rrule(rule, first));
    if let Some(r) = &rule {
        out.push(recurrence_element(r));
        if !item.exceptions.is_empty() {
            out.push(
                item.exceptions
                    .iter()
                    .fold(Element::new(CAL, "Exceptions"), |l, x| {
                        l.child(exception_element(item, x, d))
                    }),
            );
        }
    }
    out
}

/// A start or end a phone sent for an all-day event: from 16.0 a floating date (midnight
/// written as UTC), up to 14.1 the date whose midnight it is in `zone` (a 16.x phone that
/// sends a real instant anyway is read the same way).
fn all_day_date(text: &str, zone: &str, v16: bool) -> Option<Date> {
    let t = parse_eas_time(text)?;
    if v16 && t.rem_euclid(86_400) == 0 {
        Date::from_days_since_epoch(t.div_euclid(86_400))
    } else {
        date_meant(t, zone)
    }
}

/// The zone a phone's blob stands for (the series' own or the user's preferred when several
/// zones match), or `fallback` when it sent none.
fn sent_zone(sent: &Sent<'_>, start: Option<i64>, fallback: &str, preferred: &str) -> String {
    let Some(text) = sent.text(CAL, "TimeZone").filter(|t| !t.is_empty()) else {
        return fallback.to_string();
    };
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(text.as_bytes()) else {
        return fallback.to_string();
    };
    let year = start
        .and_then(|s| Date::from_days_since_epoch(s.div_euclid(86_400)))
        .map_or(2026, Date::year);
    timezone::zone_of(&bytes, year, preferred)
}

/// The occurrence's or event's span from what the phone sent, on top of `current`.
fn read_when(
    sent: &Sent<'_>,
    current: Option<&When>,
    series_all_day: bool,
    d: &Dialect,
) -> Result<When, Msg> {
    let all_day = match sent.text(CAL, "AllDayEvent") {
        Some(v) => v == "1",
        None => current.map_or(series_all_day, |w| matches!(w, When::AllDay { .. })),
    };
    let start_text = sent.text(CAL, "StartTime");
    let end_text = sent.text(CAL, "EndTime");
    let start_utc = start_text.as_deref().and_then(parse_eas_time);
    let current_zone = match current {
        Some(When::Timed { time_zone, .. }) => time_zone.clone(),
        _ => d.zone.clone(),
    };
    let zone = sent_zone(sent, start_utc, &current_zone, &current_zone);
    if all_day {
        let start = match &start_text {
            Some(t) => all_day_date(t, &zone, d.v16).ok_or(Msg::Required)?,
            None => match current {
                Some(When::AllDay { start, .. }) => *start,
                Some(When::Timed {
                    start, time_zone, ..
                }) => date_meant(*start, time_zone).ok_or(Msg::Required)?,
                None => return Err(Msg::Required),
            },
        };
        let end = match &end_text {
            Some(t) => all_day_date(t, &zone, d.v16),
            None => match current {
                Some(When::AllDay { start: s, end }) => {
                    start.add_days(end.days_since_epoch() - s.days_since_epoch())
                }
                _ => None,
            },
        };
        let end = end
            .filter(|e| *e > start)
            .or_else(|| start.next())
            .ok_or(Msg::EndBeforeStart)?;
        return Ok(When::AllDay { start, end });
    }
    let (cur_start, cur_end) = current.map(When::utc_span).unzip();
    let start = match start_text {
        Some(t) => parse_eas_time(&t).ok_or(Msg::Required)?,
        None => cur_start.ok_or(Msg::Required)?,
    };
    let end = match end_text {
        Some(t) => parse_eas_time(&t).ok_or(Msg::EndBeforeStart)?,
        None => cur_end.map_or(start, |e| start + (e - cur_start.unwrap_or(start))),
    };
    Ok(When::Timed {
        start,
        end,
        time_zone: zone,
    })
}

fn read_text(sent: &Sent<'_>, page: &str, tag: &str, max: usize) -> Option<String> {
    sent.value(page, tag).map(|v| cut(v, max))
}

fn read_location(sent: &Sent<'_>) -> Option<String> {
    if let Some(l) = sent.get("AirSyncBase", "Location") {
        let text = l
            .get_text("AirSyncBase", "DisplayName")
            .or(l.text_content())
            .unwrap_or_default();
        return Some(cut(text.trim().to_string(), TITLE_MAX));
    }
    if sent.get(CAL, "Location").is_some() {
        return read_text(sent, CAL, "Location", TITLE_MAX);
    }
    (sent.cleared(CAL, "Location") && sent.cleared("AirSyncBase", "Location")).then(String::new)
}

fn read_body(sent: &Sent<'_>) -> Option<String> {
    let b = sent.get("AirSyncBase", "Body").or(sent.get(CAL, "Body"))?;
    let text = b
        .get_text("AirSyncBase", "Data")
        .or(b.text_content())
        .unwrap_or_default();
    Some(cut(text.replace("\r\n", "\n"), DESCRIPTION_MAX))
}

fn read_reminder(sent: &Sent<'_>, current: Option<u32>) -> Option<u32> {
    match sent.value(CAL, "Reminder") {
        Some(v) if v.is_empty() => None,
        Some(v) => v
            .parse::<u32>()
            .ok()
            .map(|m| m.min(REMINDER_MAX_MINUTES))
            .or(current),
        None => current,
    }
}

/// The phone's attendees, with the responses the server knows kept where the phone says none.
/// (16.x phones may not send `AttendeeStatus`: only the server knows the responses.)
fn read_attendees(list: &Element, current: &[Attendee], v16: bool) -> Vec<Attendee> {
    list.elements()
        .filter(|a| a.is(CAL, "Attendee"))
        .filter_map(|a| {
            let email = a.get_text(CAL, "Email")?.trim().to_lowercase();
            if app::domain::validation::email(&email).is_err() {
                return None;
            }
            let known = current
                .iter()
                .find(|c| c.email.eq_ignore_ascii_case(&email));
            let name = a
                .get_text(CAL, "Name")
                .unwrap_or_default()
                .trim()
                .to_string();
            let name = if name == email { String::new() } else { name };
            let response = a
                .get_text(CAL, "AttendeeStatus")
                .filter(|_| !v16)
                .and_then(response_of)
                .filter(|r| *r != Response::None)
                .or(known.map(|k| k.response))
                .unwrap_or_default();
            Some(Attendee {
                name: cut(name, TITLE_MAX),
                email,
                response,
            })
        })
        .take(MAX_ATTENDEES)
        .collect()
}

fn read_recurrence(r: &Element) -> Option<String> {
    let n = |tag: &str| {
        r.get_text(CAL, tag)
            .and_then(|v| v.trim().parse::<u32>().ok())
    };
    let small = |tag: &str| n(tag).and_then(|v| u8::try_from(v).ok());
    let until = r
        .get_text(CAL, "Until")
        .and_then(parse_eas_time)
        .map(compact);
    recurrence::to_rrule(&Recurrence {
        kind: small("Type")?,
        interval: n("Interval").unwrap_or(1).max(1),
        until,
        occurrences: n("Occurrences"),
        week_of_month: small("WeekOfMonth"),
        day_of_week: small("DayOfWeek"),
        day_of_month: small("DayOfMonth"),
        month_of_year: small("MonthOfYear"),
    })
}

/// The original start of the occurrence a phone names (`ExceptionStartTime` or `InstanceId`),
/// as the series' exceptions are keyed: a UTC instant, or a date's midnight UTC for an
/// all-day series.
pub fn original_start(text: &str, series: &SyncedEvent, v16: bool) -> Option<i64> {
    match series.event.when {
        When::Timed { .. } => parse_eas_time(text),
        When::AllDay { .. } => all_day_date(text, &series.zone, v16).map(Date::midnight_utc),
    }
}

/// One occurrence as a phone changed it (an `Exception`, or a 16.x Change with `InstanceId`),
/// on top of the occurrence as it is now.
pub fn read_occurrence(
    data: &Element,
    series: &SyncedEvent,
    original: i64,
    d: &Dialect,
) -> Result<Occurrence, Msg> {
    let sent = Sent::new(data, Some(&[]));
    let now = series
        .exceptions
        .iter()
        .find(|x| x.original_start == original)
        .and_then(|x| x.changes.clone())
        .unwrap_or_else(|| {
            let e = series.event.clone();
            let when = match &e.when {
                When::Timed {
                    start,
                    end,
                    time_zone,
                } => When::Timed {
                    start: original,
                    end: original + (end - start),
                    time_zone: time_zone.clone(),
                },
                When::AllDay { start, end } => {
                    let first =
                        Date::from_days_since_epoch(original.div_euclid(86_400)).unwrap_or(*start);
                    When::AllDay {
                        start: first,
                        end: first
                            .add_days(end.days_since_epoch() - start.days_since_epoch())
                            .unwrap_or(*end),
                    }
                }
            };
            e.occurrence(when)
        });
    let series_all_day = matches!(series.event.when, When::AllDay { .. });
    let when = read_when(&sent, Some(&now.when), series_all_day, d)?;
    let title = sent
        .text(CAL, "Subject")
        .map(|t| cut(t, TITLE_MAX))
        .filter(|t| !t.is_empty())
        .unwrap_or(now.title);
    Ok(Occurrence {
        title,
        location: read_location(&sent).unwrap_or(now.location),
        description: read_body(&sent).unwrap_or(now.description),
        when,
        reminder_minutes: read_reminder(&sent, now.reminder_minutes),
        busy: sent
            .text(CAL, "BusyStatus")
            .and_then(|b| busy_of(&b))
            .unwrap_or(now.busy),
    })
}

/// The series with one occurrence changed or deleted (replacing what was said of it before).
pub fn with_exception(mut series: SyncedEvent, x: Exception) -> SyncedEvent {
    series
        .exceptions
        .retain(|y| y.original_start != x.original_start);
    series.exceptions.push(x);
    series.exceptions.sort_by_key(|x| x.original_start);
    series
}

/// The phone's event merged into `existing` (`None`: an add). `Err` when it cannot make an
/// event (an add without a start, a rule that makes no sense).
pub fn read(
    data: &Element,
    existing: Option<&SyncedEvent>,
    cx: &PatchContext<'_>,
    d: &Dialect,
) -> Result<SyncedEvent, Msg> {
    let sent = Sent::new(data, cx.supported);
    // 16.x phones may not send a UID (the server makes it); `ClientUid` is theirs.
    let own_uid = if d.v16 {
        sent.text(CAL, "ClientUid")
    } else {
        sent.text(CAL, "UID")
    };
    let mut item = match existing {
        Some(e) => e.clone(),
        None => SyncedEvent {
            event: Event {
                title: String::new(),
                location: String::new(),
                description: String::new(),
                when: When::Timed {
                    start: 0,
                    end: 0,
                    time_zone: d.zone.clone(),
                },
                reminder_minutes: None,
                busy: BusyStatus::Busy,
                sensitivity: Sensitivity::Normal,
                rrule: None,
                attendees: Vec::new(),
            },
            exceptions: Vec::new(),
            uid: own_uid.unwrap_or_default(),
            zone: d.zone.clone(),
            stamp: 0,
            categories: Vec::new(),
        },
    };
    let e = &mut item.event;
    if let Some(t) = sent.value(CAL, "Subject") {
        e.title = cut(t, TITLE_MAX);
    }
    if e.title.trim().is_empty() {
        e.title = d.untitled.clone();
    }
    if let Some(l) = read_location(&sent) {
        e.location = l;
    }
    if let Some(b) = read_body(&sent) {
        e.description = b;
    }
    let series_all_day = matches!(e.when, When::AllDay { .. });
    e.when = read_when(&sent, existing.map(|x| &x.event.when), series_all_day, d)?;
    e.reminder_minutes = read_reminder(&sent, e.reminder_minutes);
    if let Some(b) = sent.text(CAL, "BusyStatus").and_then(|b| busy_of(&b)) {
        // An older phone writes "working elsewhere" as free: what it was sent comes back.
        let downgraded = b == BusyStatus::Free && !d.v16 && e.busy == BusyStatus::WorkingElsewhere;
        if !downgraded {
            e.busy = b;
        }
    }
    if let Some(s) = sent
        .text(CAL, "Sensitivity")
        .and_then(|s| sensitivity_of(&s))
    {
        e.sensitivity = s;
    }
    if let Some(list) = sent.get(CAL, "Attendees") {
        e.attendees = read_attendees(list, &e.attendees, d.v16);
    }
    if let Some(c) = categories(&sent, CAL, FIELD_MAX, MAX_CATEGORIES) {
        item.categories = c;
    }
    let first = first_date(&e.when);
    match sent.get(CAL, "Recurrence") {
        Some(r) => e.rrule = Some(read_recurrence(r).ok_or(Msg::RuleInvalid)?),
        None => {
            // A rule the phone was sent and now leaves out was removed on it; one it could not
            // be sent stays.
            let sayable = e
                .rrule
                .as_deref()
                .zip(first)
                .and_then(|(r, f)| recurrence::from_rrule(r, f))
                .is_some();
            if sayable && sent.cleared(CAL, "Recurrence") {
                e.rrule = None;
            }
        }
    }
    if let Some(list) = sent.get(CAL, "Exceptions") {
        let series = item.clone();
        let mut exceptions = Vec::new();
        for x in list.elements().filter(|x| x.is(CAL, "Exception")) {
            let Some(original) = x
                .get_text(CAL, "ExceptionStartTime")
                .or(x.get_text("AirSyncBase", "InstanceId"))
                .and_then(|t| original_start(t, &series, d.v16))
            else {
                continue;
            };
            let deleted = x.get_text(CAL, "Deleted").is_some_and(|v| v.trim() == "1");
            let changes = if deleted {
                None
            } else {
                Some(read_occurrence(x, &series, original, d)?)
            };
            exceptions.retain(|y: &Exception| y.original_start != original);
            exceptions.push(Exception {
                original_start: original,
                changes,
            });
        }
        exceptions.sort_by_key(|x| x.original_start);
        item.exceptions = exceptions;
    }
    // From 16.0 a phone changes occurrences one by one (InstanceId); a new pattern or new times
    // for the series end its exceptions (MS-ASCAL 2.2.2.22).
    let reshaped = existing
        .is_some_and(|x| x.event.rrule != item.event.rrule || x.event.when != item.event.when);
    if item.event.rrule.is_none() || (d.v16 && reshaped) {
        item.exceptions.clear();
    }
    Ok(item)
}

#[cfg(test)]
#[path = "event_tests.rs"]
mod tests;
