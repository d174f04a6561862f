//! Events → one iCalendar (RFC 5545) file: what `parse_calendar` reads back into the same
//! events. Timed values are written as wall-clock times with the event's IANA name as TZID
//! and no VTIMEZONE: every current calendar knows IANA names, and a VTIMEZONE would only
//! restate the zone database (and go stale with it).

use super::ical_event::ZONE_PROPERTY;
use super::lines::{escape, param, push_line};
use super::vcard::PRODID;
use super::zones;
use crate::backend::pim::zone_rules;
use crate::domain::date::Date;
use crate::domain::model::calendar::{
    Attendee, BusyStatus, Event, Exception, Response, Sensitivity, When,
};
use chrono::{DateTime, Datelike, NaiveDateTime};
use chrono_tz::Tz;

/// One VCALENDAR holding every event, its deleted occurrences as EXDATE and its changed ones
/// as VEVENTs with the same UID and a RECURRENCE-ID.
pub fn write_calendar(events: &[(String, Event, Vec<Exception>)]) -> String {
    write(events, None)
}

/// What an invitation (iTIP, RFC 5546) adds to an event: the method, its organizer and its
/// revision.
pub struct Itip<'a> {
    /// `REQUEST` (new or changed) or `CANCEL`.
    pub method: &'a str,
    pub organizer_name: &'a str,
    pub organizer_email: &'a str,
    /// Grows with every revision the attendees are sent.
    pub sequence: i64,
    /// When the message was made (UTC seconds).
    pub stamp: i64,
}

/// One event as an invitation to, or a cancellation for, its attendees.
pub fn write_itip(itip: &Itip<'_>, uid: &str, e: &Event, exceptions: &[Exception]) -> String {
    write(
        &[(uid.to_string(), e.clone(), exceptions.to_vec())],
        Some(itip),
    )
}

fn write(events: &[(String, Event, Vec<Exception>)], itip: Option<&Itip<'_>>) -> String {
    let mut out = String::new();
    for l in ["BEGIN:VCALENDAR", "VERSION:2.0", "CALSCALE:GREGORIAN"] {
        push_line(&mut out, l);
    }
    push_line(&mut out, &format!("PRODID:{PRODID}"));
    if let Some(i) = itip {
        push_line(&mut out, &format!("METHOD:{}", i.method));
        // A mail client that acts on the invitation (Outlook) wants each TZID defined.
        let mut zones: Vec<(&str, i64)> = Vec::new();
        for (_, e, exceptions) in events {
            let whens = std::iter::once(&e.when).chain(
                exceptions
                    .iter()
                    .filter_map(|x| x.changes.as_ref().map(|c| &c.when)),
            );
            for w in whens {
                if let When::Timed {
                    start, time_zone, ..
                } = w
                {
                    if !zones.iter().any(|(z, _)| z == time_zone) {
                        zones.push((time_zone, *start));
                    }
                }
            }
        }
        for (zone, at) in zones {
            for l in vtimezone(zone, at) {
                push_line(&mut out, &l);
            }
        }
    }
    for (uid, e, exceptions) in events {
        let mut w = Lines(Vec::new());
        w.open(uid, &e.when);
        w.itip(itip);
        w.times(&e.when);
        if let Some(rule) = &e.rrule {
            // A rule is written as given (the backend checked it), on one line.
            w.push(format!("RRULE:{}", rule.replace(['\r', '\n'], "")));
        }
        for x in exceptions.iter().filter(|x| x.changes.is_none()) {
            w.original("EXDATE", x.original_start, &e.when);
        }
        w.common(&e.title, &e.location, &e.description, e.busy);
        w.shared(e);
        w.alarm(e.reminder_minutes, &e.title);
        w.push("END:VEVENT".into());
        for x in exceptions {
            let Some(o) = &x.changes else { continue };
            w.open(uid, &o.when);
            w.itip(itip);
            w.original("RECURRENCE-ID", x.original_start, &e.when);
            w.times(&o.when);
            w.common(&o.title, &o.location, &o.description, o.busy);
            // Other calendars show an occurrence with what it carries: the series' class and
            // attendees go with it (they are read from the series only).
            w.shared(e);
            w.alarm(o.reminder_minutes, &o.title);
            w.push("END:VEVENT".into());
        }
        for l in w.0 {
            push_line(&mut out, &l);
        }
    }
    push_line(&mut out, "END:VCALENDAR");
    out
}

struct Lines(Vec<String>);

impl Lines {
    fn push(&mut self, line: String) {
        self.0.push(line);
    }

    /// BEGIN, UID and DTSTAMP (required; no revision time is known, so the event's start:
    /// the output depends on the events only).
    fn open(&mut self, uid: &str, when: &When) {
        self.push("BEGIN:VEVENT".into());
        self.push(format!("UID:{}", escape(uid)));
        self.push(format!("DTSTAMP:{}", utc(when.utc_span().0)));
    }

    /// The organizer and revision of an invitation (its DTSTAMP is when it was made).
    fn itip(&mut self, itip: Option<&Itip<'_>>) {
        let Some(i) = itip else { return };
        if let Some(stamp) = self.0.iter_mut().rev().find(|l| l.starts_with("DTSTAMP:")) {
            *stamp = format!("DTSTAMP:{}", utc(i.stamp));
        }
        let name = if i.organizer_name.is_empty() {
            String::new()
        } else {
            format!(";CN={}", param(i.organizer_name))
        };
        self.push(format!("ORGANIZER{name}:mailto:{}", i.organizer_email));
        self.push(format!("SEQUENCE:{}", i.sequence));
        if i.method == "CANCEL" {
            self.push("STATUS:CANCELLED".into());
        }
    }

    fn times(&mut self, when: &When) {
        match when {
            When::AllDay { start, end } => {
                self.push(format!("DTSTART;VALUE=DATE:{}", date(*start)));
                self.push(format!("DTEND;VALUE=DATE:{}", date(*end)));
            }
            When::Timed {
                start,
                end,
                time_zone,
            } => {
                let zoned = self.instant("DTSTART", *start, time_zone);
                if !zoned {
                    // Given in UTC: say which zone the event is shown in.
                    self.push(format!("{ZONE_PROPERTY}:{}", escape(time_zone)));
                }
                self.instant("DTEND", *end, time_zone);
            }
        }
    }

    /// `NAME;TZID=zone:local`, or `NAME:…Z` when the zone is unknown or the wall-clock time
    /// would name another instant (the second pass of a repeated hour). `true`: zoned.
    fn instant(&mut self, name: &str, t: i64, zone: &str) -> bool {
        let local = zone
            .parse::<Tz>()
            .ok()
            .and_then(|tz| zones::to_local_exact(t, tz));
        match local {
            Some(l) => self.push(format!("{name};TZID={zone}:{}", local_text(l))),
            None => self.push(format!("{name}:{}", utc(t))),
        }
        local.is_some()
    }

    /// An occurrence of the series as EXDATE or RECURRENCE-ID: a date in an all-day series,
    /// else the series' wall-clock time.
    fn original(&mut self, name: &str, t: i64, series: &When) {
        match series {
            When::AllDay { .. } => {
                if let Some(d) = Date::from_days_since_epoch(t.div_euclid(86_400)) {
                    self.push(format!("{name};VALUE=DATE:{}", date(d)));
                }
            }
            When::Timed { time_zone, .. } => {
                self.instant(name, t, time_zone);
            }
        }
    }

    fn common(&mut self, title: &str, location: &str, description: &str, busy: BusyStatus) {
        self.push(format!("SUMMARY:{}", escape(title)));
        if !location.is_empty() {
            self.push(format!("LOCATION:{}", escape(location)));
        }
        if !description.is_empty() {
            self.push(format!("DESCRIPTION:{}", escape(description)));
        }
        // TRANSPARENT reads as free everywhere; Outlook's status carries the rest.
        let (transp, cdo) = match busy {
            BusyStatus::Free => ("TRANSPARENT", "FREE"),
            BusyStatus::Tentative => ("OPAQUE", "TENTATIVE"),
            BusyStatus::Busy => ("OPAQUE", "BUSY"),
            BusyStatus::OutOfOffice => ("OPAQUE", "OOF"),
            BusyStatus::WorkingElsewhere => ("OPAQUE", "WORKINGELSEWHERE"),
        };
        self.push(format!("TRANSP:{transp}"));
        self.push(format!("X-MICROSOFT-CDO-BUSYSTATUS:{cdo}"));
    }

    /// CLASS (personal as `X-PERSONAL`, which other readers treat as private) and attendees.
    fn shared(&mut self, e: &Event) {
        let class = match e.sensitivity {
            Sensitivity::Normal => None,
            Sensitivity::Personal => Some("X-PERSONAL"),
            Sensitivity::Private => Some("PRIVATE"),
            Sensitivity::Confidential => Some("CONFIDENTIAL"),
        };
        if let Some(c) = class {
            self.push(format!("CLASS:{c}"));
        }
        for a in &e.attendees {
            self.push(attendee(a));
        }
    }

    fn alarm(&mut self, minutes: Option<u32>, title: &str) {
        let Some(m) = minutes else { return };
        self.push("BEGIN:VALARM".into());
        self.push("ACTION:DISPLAY".into());
        self.push(format!("DESCRIPTION:{}", escape(title)));
        self.push(format!("TRIGGER:-PT{m}M"));
        self.push("END:VALARM".into());
    }
}

fn attendee(a: &Attendee) -> String {
    let partstat = match a.response {
        Response::None => "NEEDS-ACTION",
        Response::Accepted => "ACCEPTED",
        Response::Tentative => "TENTATIVE",
        Response::Declined => "DECLINED",
    };
    let name = if a.name.is_empty() {
        String::new()
    } else {
        format!(";CN={}", param(&a.name))
    };
    let rsvp = if a.response == Response::None {
        ";RSVP=TRUE"
    } else {
        ""
    };
    format!(
        "ATTENDEE{name};PARTSTAT={partstat}{rsvp}:mailto:{}",
        a.email
    )
}

/// `+0100`, `-0430`.
fn offset_text(seconds_east: i32) -> String {
    let sign = if seconds_east < 0 { '-' } else { '+' };
    let m = seconds_east.abs() / 60;
    format!("{sign}{:02}{:02}", m / 60, m % 60)
}

/// A VTIMEZONE for `zone` with its rules in the year of `at` (UTC seconds), as Outlook
/// writes them: a yearly rule for each period.
fn vtimezone(zone: &str, at: i64) -> Vec<String> {
    let Ok(tz) = zone.parse::<Tz>() else {
        return Vec::new();
    };
    let year = DateTime::from_timestamp(at, 0).map_or(1970, |d| d.year());
    let r = zone_rules::rules(tz, year);
    let standard = -r.bias * 60;
    let mut out = vec!["BEGIN:VTIMEZONE".to_string(), format!("TZID:{zone}")];
    let period = |kind: &str, t: Option<zone_rules::Transition>, from: i32, to: i32| {
        let mut p = vec![format!("BEGIN:{kind}")];
        match t {
            Some(t) => {
                let day = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"][usize::from(t.weekday % 7)];
                let n = if t.week >= 5 { -1 } else { i32::from(t.week) };
                p.push(format!(
                    "DTSTART:1601{:02}01T{:02}{:02}00",
                    t.month, t.hour, t.minute
                ));
                p.push(format!(
                    "RRULE:FREQ=YEARLY;BYMONTH={};BYDAY={n}{day}",
                    t.month
                ));
            }
            None => p.push("DTSTART:16010101T000000".into()),
        }
        p.push(format!("TZOFFSETFROM:{}", offset_text(from)));
        p.push(format!("TZOFFSETTO:{}", offset_text(to)));
        p.push(format!("END:{kind}"));
        p
    };
    match r.daylight {
        None => out.extend(period("STANDARD", None, standard, standard)),
        Some(d) => {
            let daylight = standard - d.bias * 60;
            out.extend(period(
                "STANDARD",
                Some(d.standard_starts),
                daylight,
                standard,
            ));
            out.extend(period(
                "DAYLIGHT",
                Some(d.daylight_starts),
                standard,
                daylight,
            ));
        }
    }
    out.push("END:VTIMEZONE".into());
    out
}

fn utc(t: i64) -> String {
    DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_default()
}

fn local_text(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

fn date(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
}
