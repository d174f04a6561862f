//! A calendar item's `Recurrence` (MS-ASCAL 2.2.2.39) ↔ the stored RFC 5545 rule, for every
//! pattern SPEC 6 offers: daily, weekly on weekdays, monthly on a day or on the n-th (or last)
//! weekday, yearly; an interval; until a time or a count. A rule EAS cannot say gives `None`
//! (the server keeps it whole; the phone is sent no recurrence it would misread).

use app::domain::date::Date;

/// What `Calendar:Recurrence` holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recurrence {
    /// 0 daily, 1 weekly, 2 monthly on a day, 3 monthly on the n-th weekday, 5 yearly on a day,
    /// 6 yearly on the n-th weekday.
    pub kind: u8,
    pub interval: u32,
    /// UTC, in the compact form `20261231T225959Z`.
    pub until: Option<String>,
    pub occurrences: Option<u32>,
    /// 1–4, 5 = last.
    pub week_of_month: Option<u8>,
    /// Sunday 1, Monday 2, Tuesday 4, … Saturday 64.
    pub day_of_week: Option<u8>,
    pub day_of_month: Option<u8>,
    pub month_of_year: Option<u8>,
}

const DAYS: [&str; 7] = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"];

fn day_bit(code: &str) -> Option<u8> {
    DAYS.iter().position(|d| *d == code).map(|i| 1 << i)
}

fn days_of(mask: u8) -> Vec<&'static str> {
    (0..7)
        .filter(|i| mask & (1 << i) != 0)
        .map(|i| DAYS[i])
        .collect()
}

/// `-1MO` → (Some(-1), "MO"); `TU` → (None, "TU").
fn split_by_day(s: &str) -> Option<(Option<i8>, &str)> {
    let at = s.len().checked_sub(2)?;
    let (n, day) = s.split_at(at);
    day_bit(day)?;
    if n.is_empty() {
        return Some((None, day));
    }
    let n: i8 = n.trim_start_matches('+').parse().ok()?;
    Some((Some(n), day))
}

/// The rule's UNTIL (a UTC date-time, or a date) in EAS's compact form.
fn until_eas(until: &str) -> Option<String> {
    match until.len() {
        8 if until.bytes().all(|b| b.is_ascii_digit()) => Some(format!("{until}T235959Z")),
        16 if until.ends_with('Z') && until.as_bytes()[8] == b'T' => Some(until.to_string()),
        _ => None,
    }
}

/// The rule for a series starting on `first` (the start's local date), if EAS can say it.
pub fn from_rrule(rule: &str, first: Date) -> Option<Recurrence> {
    let mut freq = None;
    let mut r = Recurrence {
        interval: 1,
        ..Recurrence::default()
    };
    let (mut by_day, mut by_month_day, mut by_month) = (None, None, None);
    for part in rule.trim_start_matches("RRULE:").split(';') {
        let (key, value) = part.split_once('=')?;
        match key {
            "FREQ" => freq = Some(value),
            "INTERVAL" => r.interval = value.parse().ok().filter(|i| *i >= 1)?,
            "COUNT" => r.occurrences = Some(value.parse().ok()?),
            "UNTIL" => r.until = Some(until_eas(value)?),
            "BYDAY" => by_day = Some(value),
            "BYMONTHDAY" => {
                by_month_day = Some(value.parse::<u8>().ok().filter(|d| (1..=31).contains(d))?)
            }
            "BYMONTH" => {
                by_month = Some(value.parse::<u8>().ok().filter(|m| (1..=12).contains(m))?)
            }
            "WKST" => {}
            // BYSETPOS, BYHOUR, several month days…: more than EAS can say.
            _ => return None,
        }
    }
    // A day that does not parse makes the whole rule unsayable.
    let days: Option<Vec<(Option<i8>, &str)>> = match by_day {
        Some(d) => Some(d.split(',').map(split_by_day).collect::<Option<Vec<_>>>()?),
        None => None,
    };
    let mask = |days: &[(Option<i8>, &str)]| {
        days.iter()
            .filter_map(|(_, d)| day_bit(d))
            .fold(0, |m, b| m | b)
    };
    let nth = |days: &[(Option<i8>, &str)]| -> Option<(u8, u8)> {
        match days {
            [(Some(n), d)] if (1..=4).contains(n) || *n == -1 || *n == 5 => {
                Some((if *n == -1 { 5 } else { *n as u8 }, day_bit(d)?))
            }
            _ => None,
        }
    };
    // Date::weekday counts from Monday; EAS from Sunday.
    let start_bit = 1u8 << ((first.weekday() + 1) % 7);
    match (freq?, days.as_deref()) {
        ("DAILY", None) => r.kind = 0,
        // Every weekday (and any other set of days) is a weekly rule to a phone.
        ("DAILY", Some(d)) if r.interval == 1 && d.iter().all(|(n, _)| n.is_none()) => {
            r.kind = 1;
            r.day_of_week = Some(mask(d));
        }
        ("WEEKLY", None) => {
            r.kind = 1;
            r.day_of_week = Some(start_bit);
        }
        ("WEEKLY", Some(d)) if d.iter().all(|(n, _)| n.is_none()) => {
            r.kind = 1;
            r.day_of_week = Some(mask(d));
        }
        ("MONTHLY", None) => {
            r.kind = 2;
            r.day_of_month = Some(by_month_day.unwrap_or(first.day()));
        }
        ("MONTHLY", Some(d)) if by_month_day.is_none() => {
            let (week, day) = nth(d)?;
            r.kind = 3;
            r.week_of_month = Some(week);
            r.day_of_week = Some(day);
        }
        ("YEARLY", None) => {
            r.kind = 5;
            r.day_of_month = Some(by_month_day.unwrap_or(first.day()));
            r.month_of_year = Some(by_month.unwrap_or(first.month()));
        }
        ("YEARLY", Some(d)) if by_month_day.is_none() => {
            let (week, day) = nth(d)?;
            r.kind = 6;
            r.week_of_month = Some(week);
            r.day_of_week = Some(day);
            r.month_of_year = Some(by_month.unwrap_or(first.month()));
        }
        _ => return None,
    }
    Some(r)
}

/// The stored rule for a phone's `Recurrence`; `None` for one that makes no sense.
pub fn to_rrule(r: &Recurrence) -> Option<String> {
    let weekday_list = |mask: u8| {
        let days = days_of(mask);
        (!days.is_empty()).then(|| days.join(","))
    };
    let nth = |week: u8, mask: u8| -> Option<String> {
        let days = days_of(mask);
        let [day] = days.as_slice() else {
            return None;
        };
        let n = match week {
            1..=4 => week as i8,
            5 => -1,
            _ => return None,
        };
        Some(format!("{n}{day}"))
    };
    let mut rule = match r.kind {
        0 => "FREQ=DAILY".to_string(),
        1 => format!("FREQ=WEEKLY;BYDAY={}", weekday_list(r.day_of_week?)?),
        2 => format!(
            "FREQ=MONTHLY;BYMONTHDAY={}",
            r.day_of_month.filter(|d| (1..=31).contains(d))?
        ),
        3 => format!(
            "FREQ=MONTHLY;BYDAY={}",
            nth(r.week_of_month?, r.day_of_week?)?
        ),
        5 => format!(
            "FREQ=YEARLY;BYMONTH={};BYMONTHDAY={}",
            r.month_of_year.filter(|m| (1..=12).contains(m))?,
            r.day_of_month.filter(|d| (1..=31).contains(d))?
        ),
        6 => format!(
            "FREQ=YEARLY;BYMONTH={};BYDAY={}",
            r.month_of_year.filter(|m| (1..=12).contains(m))?,
            nth(r.week_of_month?, r.day_of_week?)?
        ),
        _ => return None,
    };
    if r.interval > 1 {
        rule.push_str(&format!(";INTERVAL={}", r.interval));
    }
    match (&r.until, r.occurrences) {
        (Some(u), _) => rule.push_str(&format!(";UNTIL={}", until_eas(u)?)),
        (None, Some(n)) if n > 0 => rule.push_str(&format!(";COUNT={n}")),
        _ => {}
    }
    Some(rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(kind: u8) -> Recurrence {
        Recurrence {
            kind,
            interval: 1,
            ..Recurrence::default()
        }
    }

    /// Wednesday 2026-01-14.
    fn first() -> Date {
        Date::new(2026, 1, 14).unwrap()
    }

    #[test]
    fn every_pattern_of_the_console_both_ways() {
        let cases: Vec<(&str, Recurrence, &str)> = vec![
            ("FREQ=DAILY", rec(0), "FREQ=DAILY"),
            (
                "FREQ=DAILY;INTERVAL=3;COUNT=10",
                Recurrence {
                    interval: 3,
                    occurrences: Some(10),
                    ..rec(0)
                },
                "FREQ=DAILY;INTERVAL=3;COUNT=10",
            ),
            (
                "FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20260630T215959Z",
                Recurrence {
                    day_of_week: Some(2 | 8 | 32),
                    until: Some("20260630T215959Z".into()),
                    ..rec(1)
                },
                "FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20260630T215959Z",
            ),
            // No BYDAY: the start's weekday (a Wednesday).
            (
                "FREQ=WEEKLY;INTERVAL=2",
                Recurrence {
                    interval: 2,
                    day_of_week: Some(8),
                    ..rec(1)
                },
                "FREQ=WEEKLY;BYDAY=WE;INTERVAL=2",
            ),
            (
                "FREQ=MONTHLY",
                Recurrence {
                    day_of_month: Some(14),
                    ..rec(2)
                },
                "FREQ=MONTHLY;BYMONTHDAY=14",
            ),
            (
                "FREQ=MONTHLY;BYDAY=2WE",
                Recurrence {
                    week_of_month: Some(2),
                    day_of_week: Some(8),
                    ..rec(3)
                },
                "FREQ=MONTHLY;BYDAY=2WE",
            ),
            (
                "FREQ=MONTHLY;BYDAY=-1FR",
                Recurrence {
                    week_of_month: Some(5),
                    day_of_week: Some(32),
                    ..rec(3)
                },
                "FREQ=MONTHLY;BYDAY=-1FR",
            ),
            (
                "FREQ=YEARLY",
                Recurrence {
                    day_of_month: Some(14),
                    month_of_year: Some(1),
                    ..rec(5)
                },
                "FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=14",
            ),
            (
                "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH",
                Recurrence {
                    week_of_month: Some(4),
                    day_of_week: Some(16),
                    month_of_year: Some(11),
                    ..rec(6)
                },
                "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH",
            ),
            // An all-day series ends on a date: the end of that day.
            (
                "FREQ=DAILY;UNTIL=20260131",
                Recurrence {
                    until: Some("20260131T235959Z".into()),
                    ..rec(0)
                },
                "FREQ=DAILY;UNTIL=20260131T235959Z",
            ),
            // "Every weekday" is weekly to a phone.
            (
                "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
                Recurrence {
                    day_of_week: Some(2 | 4 | 8 | 16 | 32),
                    ..rec(1)
                },
                "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
            ),
        ];
        for (rule, eas, back) in cases {
            assert_eq!(from_rrule(rule, first()).as_ref(), Some(&eas), "{rule}");
            assert_eq!(to_rrule(&eas).as_deref(), Some(back), "{rule}");
            // What comes back means the same to the phone.
            assert_eq!(from_rrule(back, first()), Some(eas), "{back}");
        }
    }

    #[test]
    fn what_eas_cannot_say_is_not_sent_and_nonsense_is_not_stored() {
        for rule in [
            "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=-1",
            "FREQ=HOURLY",
            "FREQ=MONTHLY;BYMONTHDAY=1,15",
            "FREQ=MONTHLY;BYDAY=1MO,3MO",
            "FREQ=WEEKLY;BYDAY=XX",
            "FREQ=DAILY;UNTIL=tomorrow",
            "nonsense",
        ] {
            assert_eq!(from_rrule(rule, first()), None, "{rule}");
        }
        for bad in [
            rec(4),
            rec(1),
            Recurrence {
                day_of_month: Some(40),
                ..rec(2)
            },
            Recurrence {
                week_of_month: Some(6),
                day_of_week: Some(2),
                ..rec(3)
            },
            Recurrence {
                week_of_month: Some(1),
                day_of_week: Some(2 | 4),
                ..rec(3)
            },
            Recurrence {
                until: Some("someday".into()),
                ..rec(0)
            },
        ] {
            assert_eq!(to_rrule(&bad), None, "{bad:?}");
        }
    }
}
