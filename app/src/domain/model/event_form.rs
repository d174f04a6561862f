//! The event form as the browser fills it: local dates and times in a named zone, and the
//! repetitions SPEC 6 offers. The browser has no time-zone database; the backend turns the
//! form into an `Event` (UTC instants, an RFC 5545 rule) and an event back into the form.

use crate::domain::date::Date;
use crate::domain::model::calendar::{Attendee, BusyStatus, Sensitivity};
use serde::{Deserialize, Serialize};

/// The longest interval the form offers ("every 99 weeks").
pub const INTERVAL_MAX: u32 = 99;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Daily,
    /// On the chosen weekdays.
    Weekly,
    /// On the start's day of the month.
    MonthlyByDay,
    /// On the start's n-th weekday (the 2nd Tuesday).
    MonthlyByWeekday,
    /// On the start's weekday, the last of the month.
    MonthlyByLastWeekday,
    Yearly,
}

impl Frequency {
    pub const ALL: [Frequency; 6] = [
        Frequency::Daily,
        Frequency::Weekly,
        Frequency::MonthlyByDay,
        Frequency::MonthlyByWeekday,
        Frequency::MonthlyByLastWeekday,
        Frequency::Yearly,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Frequency::Daily => "daily",
            Frequency::Weekly => "weekly",
            Frequency::MonthlyByDay => "monthly_by_day",
            Frequency::MonthlyByWeekday => "monthly_by_weekday",
            Frequency::MonthlyByLastWeekday => "monthly_by_last_weekday",
            Frequency::Yearly => "yearly",
        }
    }

    pub fn from_code(code: &str) -> Option<Frequency> {
        Frequency::ALL.into_iter().find(|f| f.code() == code)
    }
}

/// RFC 5545's weekday names, Monday first (as `Date::weekday` counts).
pub const WEEKDAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Ends {
    Never,
    /// The last day an occurrence may start on (in the event's zone).
    Until {
        date: Date,
    },
    Count {
        count: u32,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repeat {
    pub frequency: Frequency,
    pub interval: u32,
    /// For `Weekly`: 0 (Monday) to 6, in order, none repeated.
    #[serde(default)]
    pub weekdays: Vec<u8>,
    pub ends: Ends,
}

/// Which occurrence of its weekday in its month a date is: 1 to 5.
pub fn nth_weekday(d: Date) -> u8 {
    (d.day() - 1) / 7 + 1
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventForm {
    pub title: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub description: String,
    pub all_day: bool,
    /// `YYYY-MM-DD`.
    pub start_date: String,
    /// `HH:MM`, ignored when all day.
    #[serde(default)]
    pub start_time: String,
    /// The last day (inclusive) when all day.
    pub end_date: String,
    #[serde(default)]
    pub end_time: String,
    /// IANA name; an all-day event keeps the user's zone.
    pub time_zone: String,
    #[serde(default)]
    pub reminder_minutes: Option<u32>,
    #[serde(default)]
    pub busy: BusyStatus,
    #[serde(default)]
    pub sensitivity: Sensitivity,
    /// `None`: does not repeat.
    #[serde(default)]
    pub repeat: Option<Repeat>,
    /// A rule the form cannot show (from a phone or a file): kept as it is when `repeat` is
    /// `None`.
    #[serde(default)]
    pub other_rule: Option<String>,
    #[serde(default)]
    pub attendees: Vec<Attendee>,
}

/// `HH:MM` (24 hours) as minutes since midnight.
pub fn parse_time(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.get(..2)?.parse().ok()?);
    (h < 24 && m < 60 && s.trim().len() <= 8).then_some(h * 60 + m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day() {
        assert_eq!(parse_time("09:30"), Some(570));
        assert_eq!(parse_time("9:05"), Some(545));
        assert_eq!(parse_time("23:59"), Some(1439));
        // What `<input type=time>` may send with seconds.
        assert_eq!(parse_time("10:00:00"), Some(600));
        for bad in ["24:00", "12:60", "", "noon", "1230", "-1:00"] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_nth_weekday_of_a_month() {
        assert_eq!(nth_weekday(Date::new(2025, 1, 7).unwrap()), 1);
        assert_eq!(nth_weekday(Date::new(2025, 1, 14).unwrap()), 2);
        assert_eq!(nth_weekday(Date::new(2025, 1, 29).unwrap()), 5);
    }

    #[test]
    fn frequency_codes_read_back() {
        for f in Frequency::ALL {
            assert_eq!(Frequency::from_code(f.code()), Some(f));
        }
        assert_eq!(Frequency::from_code("hourly"), None);
    }
}
