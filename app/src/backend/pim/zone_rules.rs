//! A zone's rules in a year as Windows and Outlook write them: its standard offset and, if it
//! has daylight saving time, when each period starts (the n-th or last weekday of a month at a
//! local time). Read from the IANA database by looking at the year's actual changes, so the
//! rules are the zone's own for that year. The door's `TimeZone` blob and the invitations'
//! VTIMEZONE are written from them.

use chrono::{Datelike, Offset, TimeZone, Timelike};
use chrono_tz::Tz;

/// When a zone's clocks change, as Windows writes it: the n-th (5: last) weekday of a month,
/// at a local time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Transition {
    pub month: u16,
    /// 0 = Sunday.
    pub weekday: u16,
    /// 1–4, or 5 for the last.
    pub week: u16,
    pub hour: u16,
    pub minute: u16,
}

/// What the blob says, names aside.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rules {
    /// Minutes to add to local standard time to get UTC (Rome: -60).
    pub bias: i32,
    /// `None` for a zone without daylight saving time.
    pub daylight: Option<Daylight>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Daylight {
    /// When standard time begins (in daylight time's wall clock).
    pub standard_starts: Transition,
    /// When daylight time begins (in standard time's wall clock).
    pub daylight_starts: Transition,
    /// Added to `bias` in daylight time (usually -60).
    pub bias: i32,
}

/// The UTC offset (seconds east) of `tz` at `utc`.
pub fn offset_at(tz: Tz, utc: i64) -> i32 {
    tz.timestamp_opt(utc, 0)
        .single()
        .map_or(0, |t| t.offset().fix().local_minus_utc())
}

/// The instants in `year` at which `tz`'s offset changes, with the offsets before and after.
fn changes_in(tz: Tz, year: i32) -> Vec<(i64, i32, i32)> {
    let Some(start) = chrono::NaiveDate::from_ymd_opt(year, 1, 1) else {
        return Vec::new();
    };
    let start = start
        .and_hms_opt(0, 0, 0)
        .map_or(0, |d| d.and_utc().timestamp());
    let mut out = Vec::new();
    let mut prev = offset_at(tz, start);
    // A day at a time (no zone changes twice within a day), then to the second.
    for day in 1..=366 {
        let t = start + day * 86_400;
        let now = offset_at(tz, t);
        if now != prev {
            let (mut lo, mut hi) = (t - 86_400, t);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if offset_at(tz, mid) == prev {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let in_year = tz
                .timestamp_opt(hi, 0)
                .single()
                .is_some_and(|d| d.year() == year);
            if in_year {
                out.push((hi, prev, now));
            }
            prev = now;
        }
    }
    out
}

/// The transition at `utc` as a wall-clock rule, read with the offset in force before it.
fn transition(utc: i64, offset_before: i32) -> Transition {
    let local = chrono::DateTime::from_timestamp(utc + i64::from(offset_before), 0)
        .unwrap_or_default()
        .naive_utc();
    let date = local.date();
    let days_in_month = {
        let (y, m) = if date.month() == 12 {
            (date.year() + 1, 1)
        } else {
            (date.year(), date.month() + 1)
        };
        chrono::NaiveDate::from_ymd_opt(y, m, 1)
            .and_then(|d| d.pred_opt())
            .map_or(31, |d| d.day())
    };
    let week = if date.day() + 7 > days_in_month {
        5
    } else {
        (date.day() - 1) / 7 + 1
    };
    Transition {
        month: date.month() as u16,
        weekday: date.weekday().num_days_from_sunday() as u16,
        week: week as u16,
        hour: local.hour() as u16,
        minute: local.minute() as u16,
    }
}

/// The zone's rules in `year`.
pub fn rules(tz: Tz, year: i32) -> Rules {
    let changes = changes_in(tz, year);
    let start = chrono::NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(0, |d| d.and_utc().timestamp());
    // Standard time is the smaller offset of the year.
    let offsets: Vec<i32> = std::iter::once(offset_at(tz, start))
        .chain(changes.iter().map(|c| c.2))
        .collect();
    let standard = offsets.iter().copied().min().unwrap_or(0);
    let daylight_offset = offsets.iter().copied().max().unwrap_or(0);
    let bias = -standard / 60;
    let to_daylight = changes.iter().find(|c| c.2 > c.1);
    let to_standard = changes.iter().find(|c| c.2 < c.1);
    let daylight = match (to_daylight, to_standard) {
        (Some(d), Some(s)) => Some(Daylight {
            standard_starts: transition(s.0, s.1),
            daylight_starts: transition(d.0, d.1),
            bias: -(daylight_offset - standard) / 60,
        }),
        _ => None,
    };
    Rules { bias, daylight }
}
