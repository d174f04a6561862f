//! What the calendar pages show: days with their entries in the user's zone, and one event
//! (or one occurrence of a series) as its form has it.

use crate::domain::date::Date;
use crate::domain::model::event_form::EventForm;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub event_id: i64,
    /// The occurrence's original start, for one of a series.
    pub at: Option<i64>,
    pub title: String,
    /// Local start (and end when the same day), e.g. `09:00–10:00`; `None` all day or on
    /// the days after a timed event's first.
    pub time: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Day {
    pub date: Date,
    pub entries: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthView {
    pub year: i32,
    pub month: u8,
    pub today: Date,
    pub time_zone: String,
    /// Whole weeks, Monday first, from the week of the 1st to the week of the last day.
    pub days: Vec<Day>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaView {
    pub from: Date,
    /// The first day after the agenda.
    pub to: Date,
    pub today: Date,
    pub time_zone: String,
    /// Only the days that have something.
    pub days: Vec<Day>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    pub id: i64,
    /// The occurrence shown, for one of a series.
    pub at: Option<i64>,
    /// The event (or the occurrence) as the form has it.
    pub form: EventForm,
    pub recurring: bool,
    /// An occurrence changed on its own.
    pub changed: bool,
}

/// `YYYY-MM` as a year and month.
pub fn parse_month(s: &str) -> Option<(i32, u8)> {
    let (y, m) = s.trim().split_once('-')?;
    let (y, m) = (y.parse().ok()?, m.parse().ok()?);
    Date::new(y, m, 1).map(|_| (y, m))
}

/// The month before or after (`delta` ±1).
pub fn shift_month(year: i32, month: u8, delta: i32) -> (i32, u8) {
    let index = year * 12 + i32::from(month) - 1 + delta;
    (index.div_euclid(12), (index.rem_euclid(12) + 1) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_in_the_address() {
        assert_eq!(parse_month("2025-01"), Some((2025, 1)));
        assert_eq!(parse_month("2025-13"), None);
        assert_eq!(parse_month("januar"), None);
        assert_eq!(shift_month(2025, 1, -1), (2024, 12));
        assert_eq!(shift_month(2025, 12, 1), (2026, 1));
    }
}
