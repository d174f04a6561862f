//! Local dates and times in a named zone ↔ UTC seconds: what the browser shows and types is
//! local, what is stored is UTC (the browser has no time-zone database).

use crate::domain::date::Date;
use chrono::{Datelike, LocalResult, NaiveDate, TimeZone, Timelike};
use chrono_tz::Tz;

/// The instant a wall-clock time names in `tz`. A time that happens twice (clocks going back)
/// is its first; one that does not happen (clocks going forward) is moved an hour on, as
/// calendars do.
pub fn to_utc(date: Date, minutes: u32, tz: Tz) -> Option<i64> {
    let naive = NaiveDate::from_ymd_opt(date.year(), date.month().into(), date.day().into())?
        .and_hms_opt(minutes / 60, minutes % 60, 0)?;
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t.timestamp()),
        LocalResult::None => tz
            .from_local_datetime(&(naive + chrono::Duration::hours(1)))
            .earliest()
            .map(|t| t.timestamp()),
    }
}

/// The wall-clock date and minute of the day of an instant in `tz`.
pub fn to_local(utc: i64, tz: Tz) -> Option<(Date, u32)> {
    let t = tz.timestamp_opt(utc, 0).single()?;
    let date = Date::new(
        t.year(),
        u8::try_from(t.month()).ok()?,
        u8::try_from(t.day()).ok()?,
    )?;
    Some((date, t.hour() * 60 + t.minute()))
}

/// `HH:MM`.
pub fn hhmm(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Midnight of `date` in the zone named `zone` (UTC when the name is empty or unknown), as
/// UTC seconds: how a date without a time (a birthday) is written for a phone.
pub fn midnight_in(date: Date, zone: &str) -> i64 {
    zone.parse::<Tz>()
        .ok()
        .and_then(|tz| to_utc(date, 0, tz))
        .unwrap_or_else(|| date.midnight_utc())
}

/// The date a device meant by an instant it sent for a date without a time (a birthday): the
/// day whose midnight it is in `zone` (the user's) or in UTC, else the nearest UTC midnight's
/// (phones attach their own zone's midnight, or noon, or whatever they like).
pub fn date_meant(utc: i64, zone: &str) -> Option<Date> {
    let day = utc.div_euclid(86_400);
    let second = utc.rem_euclid(86_400);
    if second != 0 {
        if let Some((date, 0)) = zone.parse::<Tz>().ok().and_then(|tz| to_local(utc, tz)) {
            return Some(date);
        }
    }
    Date::from_days_since_epoch(if second >= 12 * 3600 { day + 1 } else { day })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America, Australia, Europe, UTC};

    fn d(y: i32, m: u8, day: u8) -> Date {
        Date::new(y, m, day).unwrap()
    }

    #[test]
    fn summer_and_winter_in_rome() {
        // 10:00 in Rome is 08:00 UTC in July (UTC+2), 09:00 UTC in January (UTC+1).
        let july = to_utc(d(2025, 7, 1), 600, Europe::Rome).unwrap();
        assert_eq!(july, 1_751_356_800);
        assert_eq!(to_local(july, Europe::Rome), Some((d(2025, 7, 1), 600)));
        assert_eq!(to_local(july, UTC), Some((d(2025, 7, 1), 480)));
        let january = to_utc(d(2025, 1, 6), 600, Europe::Rome).unwrap();
        assert_eq!(to_local(january, UTC), Some((d(2025, 1, 6), 540)));
    }

    #[test]
    fn south_of_the_equator_and_across_midnight() {
        // Sydney is UTC+11 in January: 09:00 there is 22:00 UTC the day before.
        let t = to_utc(d(2025, 1, 6), 540, Australia::Sydney).unwrap();
        assert_eq!(to_local(t, UTC), Some((d(2025, 1, 5), 1320)));
    }

    #[test]
    fn clock_changes() {
        // 02:30 does not exist in Rome on 2025-03-30: an hour on, 03:30 (01:30 UTC).
        let gap = to_utc(d(2025, 3, 30), 150, Europe::Rome).unwrap();
        assert_eq!(to_local(gap, Europe::Rome), Some((d(2025, 3, 30), 210)));
        // 01:30 happens twice in New York on 2025-11-02: the first (EDT, 05:30 UTC).
        let twice = to_utc(d(2025, 11, 2), 90, America::New_York).unwrap();
        assert_eq!(to_local(twice, UTC), Some((d(2025, 11, 2), 330)));
    }

    #[test]
    fn times_are_written_with_two_digits() {
        assert_eq!(hhmm(545), "09:05");
        assert_eq!(hhmm(1439), "23:59");
    }
}
