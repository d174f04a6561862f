//! iCalendar (RFC 5545) → events: each VEVENT read (`ical_event`), checked by the form's
//! rules (`Event::normalised`), and the overrides of a series (same UID, RECURRENCE-ID)
//! attached to it as changed occurrences.

use super::ical_event::{self, Read};
use super::lines::{self, Found};
use super::report::{Item, Parsed, SkipReason, Skipped};
use super::zones::Zones;
use crate::domain::model::calendar::{Event, Exception};
use calcard::common::timezone::Tz as AnyTz;
use calcard::{Entry, Parser};
use std::collections::{HashMap, HashSet};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedEvent {
    pub event: Event,
    /// Deleted (EXDATE, or an override with STATUS:CANCELLED) and changed occurrences, one
    /// per original start, in its order.
    pub exceptions: Vec<Exception>,
}

/// Every event of an `.ics` file. Floating times, UTC times and TZIDs that name no known
/// zone are shown in `default_zone` (the user's IANA zone; UTC if it is not one).
pub fn parse_calendar(text: &str, default_zone: &str) -> Parsed<ImportedEvent> {
    let found = lines::blocks(text, Some("VCALENDAR"));
    let mut zones = Zones::new(default_zone);
    // The file's own zones first: an event may come before the VTIMEZONE it names.
    for f in &found {
        let Found::Block(b) = f else { continue };
        if b.kind != "VTIMEZONE" {
            continue;
        }
        if let Entry::ICalendar(cal) = Parser::new(b.text).entry() {
            if let Some((id, AnyTz::Tz(tz))) = cal.components.first().and_then(|c| c.timezone()) {
                zones.define(id, tz);
            }
        }
    }
    let mut out: Parsed<ImportedEvent> = Parsed::default();
    let mut masters: HashMap<String, usize> = HashMap::new();
    let mut refused: HashSet<String> = HashSet::new();
    let mut overrides: Vec<Read> = Vec::new();
    for f in found {
        let b = match f {
            Found::Stray(line) => {
                out.skip(line, SkipReason::Malformed);
                continue;
            }
            Found::Block(b) => b,
        };
        match b.kind.as_str() {
            "VTIMEZONE" => continue,
            "VEVENT" => {}
            _ => {
                out.skip(b.line, SkipReason::Unsupported);
                continue;
            }
        }
        let lines = match &b.lines {
            Ok(lines) => lines,
            Err(line) => {
                out.skip(*line, SkipReason::Malformed);
                continue;
            }
        };
        let Entry::ICalendar(cal) = Parser::new(b.text).entry() else {
            out.skip(b.line, SkipReason::Malformed);
            continue;
        };
        let read = match ical_event::read(&cal, lines, b.line, &zones) {
            Ok(r) => r,
            Err((field, msg)) => {
                out.skip(b.line, SkipReason::Invalid { field, msg });
                continue;
            }
        };
        if read.recurrence_id.is_some() {
            overrides.push(read);
            continue;
        }
        let exceptions = read
            .exdates
            .iter()
            .filter_map(|x| x.resolve(&read.event.when))
            .map(|original_start| Exception {
                original_start,
                changes: None,
            })
            .collect();
        match read.event.normalised() {
            Ok(event) => {
                if let Some(uid) = &read.uid {
                    masters.entry(uid.clone()).or_insert(out.items.len());
                }
                out.items.push(Item {
                    line: read.line,
                    uid: read.uid,
                    value: ImportedEvent { event, exceptions },
                });
            }
            Err(errors) => {
                refused.extend(read.uid);
                out.skip(read.line, SkipReason::invalid(&errors));
            }
        }
    }
    for o in overrides {
        let master = o.uid.as_ref().and_then(|u| masters.get(u)).copied();
        match master.and_then(|i| out.items.get_mut(i)) {
            Some(item) => {
                if let Err(reason) = attach(&mut item.value, o) {
                    out.skipped.push(reason);
                }
            }
            // A refused series takes its overrides with it (it is reported already).
            None if o.uid.as_ref().is_some_and(|u| refused.contains(u)) => {}
            None => out.skip(o.line, SkipReason::Unsupported),
        }
    }
    for item in &mut out.items {
        let xs = &mut item.value.exceptions;
        xs.sort_by_key(|x| x.original_start);
        xs.dedup_by_key(|x| x.original_start);
    }
    out.finish()
}

/// An override as a changed (or, cancelled, deleted) occurrence of its series, checked by the
/// event's rules; without a SUMMARY it keeps the series' title.
fn attach(series: &mut ImportedEvent, o: Read) -> Result<(), Skipped> {
    let line = o.line;
    let skip = |reason| Skipped { line, reason };
    let original_start = o
        .recurrence_id
        .and_then(|r| r.resolve(&series.event.when))
        .ok_or(skip(SkipReason::Unsupported))?;
    if o.cancelled {
        series.exceptions.push(Exception {
            original_start,
            changes: None,
        });
        return Ok(());
    }
    let mut e = o.event;
    if !o.has_title {
        e.title = series.event.title.clone();
    }
    // Only what an occurrence keeps is checked: its attendees and rule are the series'.
    e.attendees.clear();
    e.rrule = None;
    let e = e
        .normalised()
        .map_err(|errors| skip(SkipReason::invalid(&errors)))?;
    series.exceptions.push(Exception {
        original_start,
        changes: Some({
            let when = e.when.clone();
            e.occurrence(when)
        }),
    });
    Ok(())
}
