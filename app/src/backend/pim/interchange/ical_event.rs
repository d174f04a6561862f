//! One VEVENT read onto the form's fields (not yet checked by its rules): times resolved to
//! UTC seconds in their zone, the first alarm, busy status, class, attendees, the rule as
//! written, deleted occurrences and, for an override, the occurrence it replaces.

use super::lines::{self, Logical};
use super::zones::{self, Zones};
use crate::domain::date::Date;
use crate::domain::messages::Msg;
use crate::domain::model::calendar::{Attendee, BusyStatus, Event, Response, Sensitivity, When};
use calcard::common::PartialDateTime;
use calcard::icalendar::{
    ICalendar, ICalendarClassification, ICalendarComponent, ICalendarComponentType,
    ICalendarDuration, ICalendarEntry, ICalendarParameterName, ICalendarParameterValue,
    ICalendarProperty, ICalendarRelated, ICalendarStatus, ICalendarTransparency, ICalendarValue,
};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

/// Written by `write_calendar` beside a DTSTART it had to give in UTC (the second pass of a
/// repeated hour has no wall-clock name): the event's zone.
pub(crate) const ZONE_PROPERTY: &str = "X-SYNCGATE-TZID";

/// A VEVENT as read.
pub(crate) struct Read {
    pub line: usize,
    pub uid: Option<String>,
    pub event: Event,
    pub has_title: bool,
    pub exdates: Vec<Original>,
    pub recurrence_id: Option<Original>,
    pub cancelled: bool,
}

/// An occurrence named by a date-time (its instant and its wall-clock date) or by a date.
#[derive(Clone, Copy)]
pub(crate) enum Original {
    Instant { utc: i64, date: Date },
    Day(Date),
}

impl Original {
    /// UTC seconds as exceptions name occurrences: a date's midnight UTC in an all-day
    /// series; in a timed one, a bare date means the series' start time on that day.
    pub fn resolve(self, series: &When) -> Option<i64> {
        match (self, series) {
            (Original::Instant { date, .. } | Original::Day(date), When::AllDay { .. }) => {
                Some(date.midnight_utc())
            }
            (Original::Instant { utc, .. }, When::Timed { .. }) => Some(utc),
            (
                Original::Day(d),
                When::Timed {
                    start, time_zone, ..
                },
            ) => {
                let tz: Tz = time_zone.parse().ok()?;
                let time = zones::to_local(*start, tz)?.time();
                zones::to_utc(naive_date(d)?.and_time(time), tz)
            }
        }
    }
}

/// A DTSTART-like value: a date, a wall-clock time (in the zone its TZID names, if known),
/// or an instant (UTC or with an offset).
enum Stamp {
    Day(Date),
    Local(NaiveDateTime, Option<Tz>),
    Instant(i64),
}

type FieldError = (&'static str, Msg);

/// The VEVENT parsed in `cal` (its alarms after it), with its unfolded `lines` for what is
/// read raw. `Err`: its start or end cannot be read.
pub(crate) fn read(
    cal: &ICalendar,
    lines: &[Logical],
    line: usize,
    zones: &Zones,
) -> Result<Read, FieldError> {
    let ev = cal.components.first().ok_or(("start", Msg::Required))?;
    let text = |p: ICalendarProperty| {
        ev.property(&p)
            .and_then(|e| e.values.first())
            .and_then(|v| v.as_text())
            .map(str::to_string)
    };
    let (when, zone) = when(ev, zones)?;
    let alarm = ev
        .component_ids
        .iter()
        .filter_map(|id| cal.component_by_id(*id))
        .find(|c| c.component_type == ICalendarComponentType::VAlarm);
    let title = text(ICalendarProperty::Summary).unwrap_or_default();
    let originals = |entry: &ICalendarEntry| -> Vec<Original> {
        let tzid = entry.tz_id().and_then(|id| zones.resolve(id));
        entry
            .values
            .iter()
            .filter_map(|v| stamp(v.as_partial_date_time()?, tzid))
            .filter_map(|s| original(s, zone))
            .collect()
    };
    Ok(Read {
        line,
        uid: text(ICalendarProperty::Uid).filter(|u| !u.trim().is_empty()),
        has_title: !title.trim().is_empty(),
        event: Event {
            title,
            location: text(ICalendarProperty::Location).unwrap_or_default(),
            description: text(ICalendarProperty::Description).unwrap_or_default(),
            reminder_minutes: alarm.and_then(|a| reminder(a, &when, zones)),
            when,
            busy: busy(ev),
            sensitivity: sensitivity(ev),
            rrule: lines::raw(lines, "RRULE").map(|l| l.value().trim().to_string()),
            attendees: lines::own(lines, "ATTENDEE").filter_map(attendee).collect(),
        },
        exdates: ev
            .properties(&ICalendarProperty::Exdate)
            .flat_map(originals)
            .collect(),
        recurrence_id: ev
            .property(&ICalendarProperty::RecurrenceId)
            .and_then(|e| originals(e).into_iter().next()),
        cancelled: matches!(
            ev.property(&ICalendarProperty::Status)
                .and_then(|e| e.values.first()),
            Some(ICalendarValue::Status(ICalendarStatus::Cancelled))
        ),
    })
}

/// Start and end, and the zone the event is shown in.
fn when(ev: &ICalendarComponent, zones: &Zones) -> Result<(When, Tz), FieldError> {
    let first = |p: ICalendarProperty| -> Option<Result<Stamp, ()>> {
        let entry = ev.property(&p)?;
        let tzid = entry.tz_id().and_then(|id| zones.resolve(id));
        Some(
            entry
                .values
                .first()
                .and_then(|v| stamp(v.as_partial_date_time()?, tzid))
                .ok_or(()),
        )
    };
    let start = first(ICalendarProperty::Dtstart)
        .ok_or(("start", Msg::Required))?
        .map_err(|_| ("start", Msg::DateInvalid))?;
    let end = first(ICalendarProperty::Dtend)
        .transpose()
        .map_err(|_| ("end", Msg::DateInvalid))?;
    let duration = ev
        .property(&ICalendarProperty::Duration)
        .and_then(|e| match e.values.first() {
            Some(ICalendarValue::Duration(d)) => Some(d.clone()),
            _ => None,
        });
    let zone = match &start {
        Stamp::Local(_, Some(tz)) => *tz,
        Stamp::Instant(_) => ev
            .entries
            .iter()
            .find(|e| matches!(&e.name, ICalendarProperty::Other(n) if n.eq_ignore_ascii_case(ZONE_PROPERTY)))
            .and_then(|e| e.values.first()?.as_text())
            .and_then(|id| zones.resolve(id))
            .unwrap_or(zones.default),
        _ => zones.default,
    };
    if let Stamp::Day(start) = start {
        let days = duration.map_or(1, |d| {
            let secs = d.as_seconds().max(0);
            ((secs + 86_399) / 86_400).max(1)
        });
        let end = match end {
            Some(s) => day_of(s, zone).ok_or(("end", Msg::DateInvalid))?,
            None => start.add_days(days).ok_or(("end", Msg::DateInvalid))?,
        };
        return Ok((When::AllDay { start, end }, zone));
    }
    let start = instant(start, zone).ok_or(("start", Msg::DateInvalid))?;
    let end = match (end, duration) {
        (Some(e), _) => instant(e, zone).ok_or(("end", Msg::DateInvalid))?,
        (None, Some(d)) => add_duration(start, &d, zone).ok_or(("end", Msg::DateInvalid))?,
        (None, None) => start,
    };
    let time_zone = zone.name().to_string();
    Ok((
        When::Timed {
            start,
            end,
            time_zone,
        },
        zone,
    ))
}

fn naive_date(d: Date) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(d.year(), d.month().into(), d.day().into())
}

fn date_of(n: NaiveDate) -> Option<Date> {
    Date::new(
        n.year(),
        u8::try_from(n.month()).ok()?,
        u8::try_from(n.day()).ok()?,
    )
}

fn stamp(p: &PartialDateTime, tz: Option<Tz>) -> Option<Stamp> {
    let date = NaiveDate::from_ymd_opt(p.year?.into(), p.month?.into(), p.day?.into())?;
    let Some(hour) = p.hour else {
        return date_of(date).map(Stamp::Day);
    };
    let time = date.and_hms_opt(
        hour.into(),
        p.minute.unwrap_or(0).into(),
        p.second.unwrap_or(0).into(),
    )?;
    if let Some(h) = p.tz_hour {
        let offset = i64::from(h) * 3600 + i64::from(p.tz_minute.unwrap_or(0)) * 60;
        let offset = if p.tz_minus { -offset } else { offset };
        return Some(Stamp::Instant(time.and_utc().timestamp() - offset));
    }
    Some(Stamp::Local(time, tz))
}

/// A stamp's instant; wall-clock times without a known zone are in the event's.
fn instant(s: Stamp, zone: Tz) -> Option<i64> {
    match s {
        Stamp::Day(d) => zones::to_utc(naive_date(d)?.and_hms_opt(0, 0, 0)?, zone),
        Stamp::Local(t, tz) => zones::to_utc(t, tz.unwrap_or(zone)),
        Stamp::Instant(t) => Some(t),
    }
}

fn day_of(s: Stamp, zone: Tz) -> Option<Date> {
    match s {
        Stamp::Day(d) => Some(d),
        Stamp::Local(t, _) => date_of(t.date()),
        Stamp::Instant(t) => date_of(zones::to_local(t, zone)?.date()),
    }
}

fn original(s: Stamp, zone: Tz) -> Option<Original> {
    match s {
        Stamp::Day(d) => Some(Original::Day(d)),
        Stamp::Local(t, tz) => Some(Original::Instant {
            utc: zones::to_utc(t, tz.unwrap_or(zone))?,
            date: date_of(t.date())?,
        }),
        Stamp::Instant(utc) => Some(Original::Instant {
            utc,
            date: date_of(zones::to_local(utc, zone)?.date())?,
        }),
    }
}

/// Days and weeks are calendar days in the event's zone (P1D keeps the wall-clock time
/// across a clock change); hours, minutes and seconds are exact.
fn add_duration(start: i64, d: &ICalendarDuration, zone: Tz) -> Option<i64> {
    let sign = if d.neg { -1 } else { 1 };
    let days = sign * (i64::from(d.weeks) * 7 + i64::from(d.days));
    let exact =
        sign * (i64::from(d.hours) * 3600 + i64::from(d.minutes) * 60 + i64::from(d.seconds));
    let local = zones::to_local(start, zone)? + Duration::days(days);
    Some(zones::to_utc(local, zone)? + exact)
}

/// Minutes before the start of the first alarm; one after the start rings at the start.
fn reminder(alarm: &ICalendarComponent, when: &When, zones: &Zones) -> Option<u32> {
    let trigger = alarm.property(&ICalendarProperty::Trigger)?;
    let (start, end) = when.utc_span();
    let at = match trigger.values.first()? {
        ICalendarValue::Duration(d) => {
            let from_end = matches!(
                trigger.parameter(&ICalendarParameterName::Related),
                Some(ICalendarParameterValue::Related(ICalendarRelated::End))
            );
            (if from_end { end } else { start }) + d.as_seconds()
        }
        ICalendarValue::PartialDateTime(p) => instant(stamp(p, None)?, zones.default)?,
        _ => return None,
    };
    Some(u32::try_from((start - at).max(0) / 60).unwrap_or(u32::MAX))
}

/// TRANSP:TRANSPARENT is free; else Outlook's busy status, if given; else busy.
fn busy(ev: &ICalendarComponent) -> BusyStatus {
    let transparent = matches!(
        ev.property(&ICalendarProperty::Transp)
            .and_then(|e| e.values.first()),
        Some(ICalendarValue::Transparency(
            ICalendarTransparency::Transparent
        ))
    );
    if transparent {
        return BusyStatus::Free;
    }
    let cdo = ev
        .entries
        .iter()
        .find(|e| matches!(&e.name, ICalendarProperty::Other(n) if n.eq_ignore_ascii_case("X-MICROSOFT-CDO-BUSYSTATUS")))
        .and_then(|e| e.values.first()?.as_text())
        .map(str::to_ascii_uppercase);
    match cdo.as_deref() {
        Some("FREE") => BusyStatus::Free,
        Some("TENTATIVE") => BusyStatus::Tentative,
        Some("OOF") => BusyStatus::OutOfOffice,
        Some("WORKINGELSEWHERE") => BusyStatus::WorkingElsewhere,
        _ => BusyStatus::Busy,
    }
}

/// CLASS; an unknown class is private, as RFC 5545 asks (`X-PERSONAL` is ours).
fn sensitivity(ev: &ICalendarComponent) -> Sensitivity {
    match ev
        .property(&ICalendarProperty::Class)
        .and_then(|e| e.values.first())
    {
        None | Some(ICalendarValue::Classification(ICalendarClassification::Public)) => {
            Sensitivity::Normal
        }
        Some(ICalendarValue::Classification(ICalendarClassification::Confidential)) => {
            Sensitivity::Confidential
        }
        Some(ICalendarValue::Text(t)) if t.eq_ignore_ascii_case("X-PERSONAL") => {
            Sensitivity::Personal
        }
        Some(_) => Sensitivity::Private,
    }
}

/// A `mailto:` attendee (others, e.g. `urn:uuid:` resources, have no address to keep), read
/// from its line: the parser would take a backslash in a quoted CN for an escape.
fn attendee(l: &Logical) -> Option<Attendee> {
    let uri = l.value().trim();
    let email = match uri.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("mailto:") => &uri[7..],
        _ if !uri.contains(':') => uri,
        _ => return None,
    };
    let mut name = String::new();
    let mut response = Response::None;
    for (key, value) in lines::params(l) {
        match key.as_str() {
            "CN" => name = value,
            "PARTSTAT" => {
                response = match value.to_ascii_uppercase().as_str() {
                    "ACCEPTED" => Response::Accepted,
                    "TENTATIVE" => Response::Tentative,
                    "DECLINED" => Response::Declined,
                    _ => Response::None,
                }
            }
            _ => {}
        }
    }
    Some(Attendee {
        name,
        email: email.to_string(),
        response,
    })
}
