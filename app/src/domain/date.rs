//! A calendar date without a time (birthdays, anniversaries, all-day events): `YYYY-MM-DD` on
//! the wire and in the database, checked on the way in (no 2025-02-30).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// `None` unless the day exists (years 1 to 9999, the range vCard and iCalendar write).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        ((1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month))
        .then_some(Date { year, month, day })
    }

    /// `YYYY-MM-DD`, also the basic `YYYYMMDD` that vCard 3 and iCalendar use.
    pub fn parse(s: &str) -> Option<Date> {
        let s = s.trim();
        let digits: String = s.chars().filter(|c| *c != '-').collect();
        let dashed = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
        if digits.len() != 8
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || !(dashed || s.len() == 8)
        {
            return None;
        }
        Date::new(
            digits[0..4].parse().ok()?,
            digits[4..6].parse().ok()?,
            digits[6..8].parse().ok()?,
        )
    }

    pub fn year(self) -> i32 {
        self.year
    }
    pub fn month(self) -> u8 {
        self.month
    }
    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before), for arithmetic without a calendar library.
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01; `None` outside years 1 to 9999.
    pub fn from_days_since_epoch(days: i64) -> Option<Date> {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date::new(i32::try_from(year).ok()?, month, day)
    }

    /// Midnight UTC of this date, in seconds since the epoch.
    pub fn midnight_utc(self) -> i64 {
        self.days_since_epoch() * 86_400
    }

    /// The next day (`None` after 9999-12-31).
    pub fn next(self) -> Option<Date> {
        self.add_days(1)
    }

    /// `days` later (earlier when negative); `None` outside years 1 to 9999.
    pub fn add_days(self, days: i64) -> Option<Date> {
        Date::from_days_since_epoch(self.days_since_epoch() + days)
    }

    /// 0 for Monday to 6 for Sunday (1970-01-01 was a Thursday).
    pub fn weekday(self) -> u8 {
        (self.days_since_epoch() + 3).rem_euclid(7) as u8
    }

    /// The first day of the month, and the number of days in it.
    pub fn month_span(year: i32, month: u8) -> Option<(Date, u8)> {
        Date::new(year, month, 1).map(|d| (d, days_in_month(year, month)))
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl std::str::FromStr for Date {
    type Err = InvalidDate;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Date::parse(s).ok_or(InvalidDate)
    }
}

/// Not a date that exists, or not written as `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidDate;

impl std::fmt::Display for InvalidDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a valid date (YYYY-MM-DD)")
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse(&s).ok_or_else(|| serde::de::Error::custom(InvalidDate))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_days_that_exist_are_dates() {
        assert_eq!(
            Date::parse("2024-02-29").map(|d| d.to_string()),
            Some("2024-02-29".into())
        );
        for bad in [
            "2025-02-29",
            "2025-02-30",
            "2100-02-29",
            "2025-04-31",
            "2025-13-01",
            "2025-00-10",
            "2025-01-00",
            "0000-01-01",
            "2025-1-1",
            "25-01-01",
            "2025/01/01",
            "",
            "abcd-ef-gh",
            "2025-01-01T10:00",
            "+2025-01-01",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert_eq!(
            Date::parse("2000-02-29").map(|d| d.day()),
            Some(29),
            "400-year leap"
        );
    }

    #[test]
    fn the_basic_form_of_vcard_3_and_icalendar_is_read_too() {
        assert_eq!(Date::parse("19850412"), Date::new(1985, 4, 12));
        assert_eq!(Date::parse("1985041"), None);
    }

    #[test]
    fn days_since_the_epoch_round_trip_across_leap_years_and_centuries() {
        assert_eq!(Date::new(1970, 1, 1).unwrap().days_since_epoch(), 0);
        assert_eq!(Date::new(2000, 3, 1).unwrap().days_since_epoch(), 11_017);
        assert_eq!(Date::new(1969, 12, 31).unwrap().days_since_epoch(), -1);
        let mut d = Date::new(1899, 12, 25).unwrap();
        for _ in 0..80_000 {
            let n = d.days_since_epoch();
            assert_eq!(Date::from_days_since_epoch(n), Some(d));
            let next = d.next().unwrap();
            assert_eq!(next.days_since_epoch(), n + 1);
            assert!(next > d);
            d = next;
        }
        assert_eq!(Date::new(9999, 12, 31).unwrap().next(), None);
    }

    #[test]
    fn weekdays_and_month_spans() {
        // 2025-01-06 was a Monday, 2024-02-29 a Thursday, 1970-01-01 a Thursday.
        assert_eq!(Date::new(2025, 1, 6).unwrap().weekday(), 0);
        assert_eq!(Date::new(2025, 1, 12).unwrap().weekday(), 6);
        assert_eq!(Date::new(2024, 2, 29).unwrap().weekday(), 3);
        assert_eq!(Date::new(1970, 1, 1).unwrap().weekday(), 3);
        assert_eq!(Date::month_span(2024, 2).unwrap().1, 29);
        assert_eq!(Date::month_span(2025, 13), None);
        let d = Date::new(2025, 12, 31).unwrap();
        assert_eq!(d.add_days(1), Date::new(2026, 1, 1));
        assert_eq!(d.add_days(-365), Date::new(2024, 12, 31));
    }

    #[test]
    fn json_is_the_plain_date_and_a_bad_one_is_refused() {
        let d = Date::new(1990, 7, 3).unwrap();
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"1990-07-03\"");
        assert_eq!(serde_json::from_str::<Date>("\"1990-07-03\"").unwrap(), d);
        assert!(serde_json::from_str::<Date>("\"2025-02-30\"").is_err());
    }
}
