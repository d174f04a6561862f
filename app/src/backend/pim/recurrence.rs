//! Recurring events: the RFC 5545 rule of a series checked, bounded and expanded in the
//! event's own time zone (so a weekly 09:00 meeting stays at 09:00 across daylight-saving
//! changes), with its exceptions applied. All-day series repeat on dates.

use crate::backend::store::pim::events::Range;
use crate::domain::date::Date;
use crate::domain::messages::Msg;
use crate::domain::model::calendar::{Event, Exception, When};
use crate::domain::model::contacts::FieldError;
use chrono::{DateTime, TimeZone};
use rrule::{Frequency, RRule, RRuleSet, Unvalidated};

/// The most occurrences a rule with `COUNT` may have (a daily rule for over 13 years).
pub const MAX_COUNT: u32 = 5000;
/// Occurrences looked at before a series is treated as endless (for its span) or a window
/// stops (for views): bounds the work a far `UNTIL` can cause.
const MAX_STEPS: usize = 20_000;

/// The event's zone, if it is a known IANA name.
pub fn zone(name: &str) -> Option<chrono_tz::Tz> {
    name.parse().ok()
}

/// The series' rule set anchored at its first occurrence; `Ok(None)` for a single event.
fn rule_set(e: &Event) -> Result<Option<RRuleSet>, FieldError> {
    let Some(rule) = e.rrule.as_deref() else {
        return Ok(None);
    };
    let start = anchor(&e.when).ok_or(("time_zone", Msg::TimeZoneUnknown))?;
    let parsed: RRule<Unvalidated> = rule.parse().map_err(|_| ("rrule", Msg::RuleInvalid))?;
    let set = parsed
        .build(start)
        .map_err(|_| ("rrule", Msg::RuleInvalid))?;
    let r = &set.get_rrule()[0];
    if matches!(
        r.get_freq(),
        Frequency::Hourly | Frequency::Minutely | Frequency::Secondly
    ) {
        return Err(("rrule", Msg::RuleInvalid));
    }
    if r.get_count().is_some_and(|c| c > MAX_COUNT) {
        return Err(("rrule", Msg::RuleTooMany));
    }
    Ok(Some(set))
}

/// The first occurrence's start as the rule sees it: local time in the event's zone, or the
/// date's midnight (UTC stands for "floating" here) for all-day events.
fn anchor(when: &When) -> Option<DateTime<rrule::Tz>> {
    match when {
        When::Timed {
            start, time_zone, ..
        } => {
            let tz = rrule::Tz::Tz(zone(time_zone)?);
            tz.timestamp_opt(*start, 0).single()
        }
        When::AllDay { start, .. } => rrule::Tz::UTC
            .timestamp_opt(start.midnight_utc(), 0)
            .single(),
    }
}

/// Checks what needs a time-zone database: the zone name and the rule (valid, at most daily,
/// at most `MAX_COUNT` occurrences).
pub fn check(e: &Event) -> Result<(), FieldError> {
    if let When::Timed { time_zone, .. } = &e.when {
        zone(time_zone).ok_or(("time_zone", Msg::TimeZoneUnknown))?;
    }
    rule_set(e).map(|_| ())
}

/// One occurrence: the start it has in the series (what exceptions name it by) and when it
/// happens (moved, if an exception changed it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    pub original_start: i64,
    pub when: When,
    pub changed: bool,
}

/// Each occurrence's start (or the single one's), in order, at most `MAX_STEPS`, computed as
/// they are read (a view stops at its window's end).
fn starts(e: &Event) -> Result<Box<dyn Iterator<Item = i64>>, FieldError> {
    let Some(set) = rule_set(e)? else {
        return Ok(Box::new(std::iter::once(e.when.utc_span().0)));
    };
    Ok(Box::new(
        (&set).into_iter().take(MAX_STEPS).map(|d| d.timestamp()),
    ))
}

/// The occurrence of the series starting at `start` (UTC seconds; for all-day, a date's midnight).
fn at(e: &Event, start: i64) -> When {
    match &e.when {
        When::Timed {
            start: s,
            end,
            time_zone,
        } => When::Timed {
            start,
            end: start + (end - s),
            time_zone: time_zone.clone(),
        },
        When::AllDay { start: s, end } => {
            let days = end.days_since_epoch() - s.days_since_epoch();
            let first = start.div_euclid(86_400);
            match (
                Date::from_days_since_epoch(first),
                Date::from_days_since_epoch(first + days),
            ) {
                (Some(start), Some(end)) => When::AllDay { start, end },
                _ => e.when.clone(),
            }
        }
    }
}

/// The UTC span every occurrence falls in, moved ones included; the end is open when the rule
/// has no end (or more occurrences than are worth counting).
pub fn span(e: &Event, exceptions: &[Exception]) -> Result<Range, FieldError> {
    let (first, single_end) = e.when.utc_span();
    let (count, last) = starts(e)?.fold((0, first), |(n, _), s| (n + 1, s));
    let endless = e.rrule.is_some() && count >= MAX_STEPS;
    let mut range = Range {
        start: first,
        end: (!endless).then_some(last + (single_end - first)),
    };
    for x in exceptions {
        if let Some(changes) = &x.changes {
            let (s, end) = changes.when.utc_span();
            range.start = range.start.min(s);
            range.end = range.end.map(|e| e.max(end));
        }
    }
    Ok(range)
}

/// The occurrences that overlap `[from, to)` (UTC seconds), deleted ones left out and changed
/// ones where they were moved to, in start order.
pub fn occurrences(
    e: &Event,
    exceptions: &[Exception],
    from: i64,
    to: i64,
) -> Result<Vec<Occurrence>, FieldError> {
    let mut out: Vec<Occurrence> = Vec::new();
    for start in starts(e)? {
        if start >= to {
            break;
        }
        if exceptions.iter().any(|x| x.original_start == start) {
            continue;
        }
        let when = at(e, start);
        let (s, end) = when.utc_span();
        if end > from && s < to {
            out.push(Occurrence {
                original_start: start,
                when,
                changed: false,
            });
        }
    }
    for x in exceptions {
        if let Some(changes) = &x.changes {
            let (s, end) = changes.when.utc_span();
            if end > from && s < to {
                out.push(Occurrence {
                    original_start: x.original_start,
                    when: changes.when.clone(),
                    changed: true,
                });
            }
        }
    }
    out.sort_by_key(|o| (o.when.utc_span().0, o.original_start));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::calendar::{BusyStatus, Occurrence as Changes, Sensitivity};

    fn rome(y: i32, m: u32, d: u32, h: u32) -> i64 {
        chrono_tz::Europe::Rome
            .with_ymd_and_hms(y, m, d, h, 0, 0)
            .single()
            .unwrap()
            .timestamp()
    }

    fn weekly(rule: &str) -> Event {
        Event {
            title: "Riunione".into(),
            location: String::new(),
            description: String::new(),
            // Monday 2025-03-24 09:00 in Rome (UTC+1); Italy moves to UTC+2 on 2025-03-30.
            when: When::Timed {
                start: rome(2025, 3, 24, 9),
                end: rome(2025, 3, 24, 10),
                time_zone: "Europe/Rome".into(),
            },
            reminder_minutes: None,
            busy: BusyStatus::Busy,
            sensitivity: Sensitivity::Normal,
            rrule: Some(rule.into()),
            attendees: vec![],
        }
    }

    #[test]
    fn a_weekly_meeting_stays_at_nine_across_daylight_saving() {
        let e = weekly("FREQ=WEEKLY;COUNT=3");
        let all = occurrences(&e, &[], 0, i64::MAX).unwrap();
        let starts: Vec<i64> = all.iter().map(|o| o.when.utc_span().0).collect();
        assert_eq!(
            starts,
            vec![
                rome(2025, 3, 24, 9),
                rome(2025, 3, 31, 9),
                rome(2025, 4, 7, 9)
            ]
        );
        assert_eq!(
            starts[1] - starts[0],
            7 * 86_400 - 3600,
            "one hour less in UTC after the change"
        );
        let r = span(&e, &[]).unwrap();
        assert_eq!(
            r,
            Range {
                start: rome(2025, 3, 24, 9),
                end: Some(rome(2025, 4, 7, 10))
            }
        );
    }

    #[test]
    fn a_moved_occurrence_is_shown_where_it_went_and_a_deleted_one_not_at_all() {
        let e = weekly("FREQ=WEEKLY;COUNT=3");
        let moved = Exception {
            original_start: rome(2025, 3, 31, 9),
            changes: Some(Changes {
                title: "Riunione (spostata)".into(),
                location: String::new(),
                description: String::new(),
                when: When::Timed {
                    start: rome(2025, 4, 20, 15),
                    end: rome(2025, 4, 20, 16),
                    time_zone: "Europe/Rome".into(),
                },
                reminder_minutes: None,
                busy: BusyStatus::Busy,
            }),
        };
        let deleted = Exception {
            original_start: rome(2025, 4, 7, 9),
            changes: None,
        };
        let xs = [moved, deleted];
        let all = occurrences(&e, &xs, 0, i64::MAX).unwrap();
        let seen: Vec<(i64, bool)> = all
            .iter()
            .map(|o| (o.when.utc_span().0, o.changed))
            .collect();
        assert_eq!(
            seen,
            vec![(rome(2025, 3, 24, 9), false), (rome(2025, 4, 20, 15), true)]
        );
        assert_eq!(
            span(&e, &xs).unwrap().end,
            Some(rome(2025, 4, 20, 16)),
            "the span covers the move"
        );
        let april = occurrences(&e, &xs, rome(2025, 4, 1, 0), rome(2025, 5, 1, 0)).unwrap();
        assert_eq!(april.len(), 1, "only the moved one falls in April");
    }

    #[test]
    fn an_endless_rule_has_an_open_span_and_windows_far_ahead_still_work() {
        let e = weekly("FREQ=DAILY");
        assert_eq!(span(&e, &[]).unwrap().end, None);
        let day = occurrences(&e, &[], rome(2030, 1, 1, 0), rome(2030, 1, 2, 0)).unwrap();
        assert_eq!(day.len(), 1);
        assert_eq!(day[0].when.utc_span().0, rome(2030, 1, 1, 9));
    }

    #[test]
    fn all_day_series_repeat_on_dates() {
        let mut e = weekly("FREQ=YEARLY;COUNT=3");
        let d = Date::new(2024, 2, 29).unwrap();
        e.when = When::AllDay {
            start: d,
            end: d.next().unwrap(),
        };
        let dates: Vec<String> = occurrences(&e, &[], 0, i64::MAX)
            .unwrap()
            .iter()
            .map(|o| match &o.when {
                When::AllDay { start, .. } => start.to_string(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            dates,
            vec!["2024-02-29", "2028-02-29", "2032-02-29"],
            "RFC 5545 skips years without the day"
        );
    }

    #[test]
    fn bad_rules_and_zones_are_refused_with_their_field() {
        assert_eq!(
            check(&weekly("FREQ=WEEKLY;COUNT=10000000")),
            Err(("rrule", Msg::RuleTooMany))
        );
        assert_eq!(
            check(&weekly("FREQ=HOURLY")),
            Err(("rrule", Msg::RuleInvalid))
        );
        assert_eq!(
            check(&weekly("FREQ=SOMETIMES")),
            Err(("rrule", Msg::RuleInvalid))
        );
        assert_eq!(
            check(&weekly("FREQ=MONTHLY;BYDAY=-1FR")),
            Ok(()),
            "the last Friday of each month"
        );
        let mut e = weekly("FREQ=DAILY");
        e.when = When::Timed {
            start: 0,
            end: 60,
            time_zone: "Mars/Olympus".into(),
        };
        assert_eq!(check(&e), Err(("time_zone", Msg::TimeZoneUnknown)));
    }
}
