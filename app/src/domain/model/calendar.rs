//! An event as the console's form and phones have it (SPEC 6). Timed events are UTC instants
//! with the IANA zone they were entered in; all-day events are dates (end exclusive, as
//! iCalendar has them); a series is an RFC 5545 rule with its exceptions.

use crate::domain::date::Date;
use crate::domain::messages::Msg;
use crate::domain::model::contacts::FieldError;
use crate::domain::validation;
use serde::{Deserialize, Serialize};

pub const TITLE_MAX: usize = 256;
pub const DESCRIPTION_MAX: usize = 32 * 1024;
pub const MAX_ATTENDEES: usize = 100;
/// Four weeks: the longest reminder phones offer.
pub const REMINDER_MAX_MINUTES: u32 = 4 * 7 * 24 * 60;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum When {
    /// UTC seconds; `time_zone` says how to show them and how a series repeats.
    Timed {
        start: i64,
        end: i64,
        time_zone: String,
    },
    /// `end` is the day after the last one.
    AllDay { start: Date, end: Date },
}

impl When {
    /// The first instant of the span and its end, in UTC seconds (an all-day event from
    /// midnight UTC of its first day to midnight UTC after its last: a window for queries
    /// that any zone's view fits in once widened by a day).
    pub fn utc_span(&self) -> (i64, i64) {
        match self {
            When::Timed { start, end, .. } => (*start, *end),
            When::AllDay { start, end } => (start.midnight_utc(), end.midnight_utc()),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BusyStatus {
    Free,
    Tentative,
    #[default]
    Busy,
    OutOfOffice,
    WorkingElsewhere,
}

impl BusyStatus {
    pub fn code(self) -> &'static str {
        match self {
            BusyStatus::Free => "free",
            BusyStatus::Tentative => "tentative",
            BusyStatus::Busy => "busy",
            BusyStatus::OutOfOffice => "out_of_office",
            BusyStatus::WorkingElsewhere => "working_elsewhere",
        }
    }
    pub fn from_code(code: &str) -> Option<BusyStatus> {
        [
            BusyStatus::Free,
            BusyStatus::Tentative,
            BusyStatus::Busy,
            BusyStatus::OutOfOffice,
            BusyStatus::WorkingElsewhere,
        ]
        .into_iter()
        .find(|b| b.code() == code)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    #[default]
    Normal,
    Personal,
    Private,
    Confidential,
}

impl Sensitivity {
    pub fn code(self) -> &'static str {
        match self {
            Sensitivity::Normal => "normal",
            Sensitivity::Personal => "personal",
            Sensitivity::Private => "private",
            Sensitivity::Confidential => "confidential",
        }
    }
    pub fn from_code(code: &str) -> Option<Sensitivity> {
        [
            Sensitivity::Normal,
            Sensitivity::Personal,
            Sensitivity::Private,
            Sensitivity::Confidential,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    #[default]
    None,
    Accepted,
    Tentative,
    Declined,
}

impl Response {
    pub fn code(self) -> &'static str {
        match self {
            Response::None => "none",
            Response::Accepted => "accepted",
            Response::Tentative => "tentative",
            Response::Declined => "declined",
        }
    }
    pub fn from_code(code: &str) -> Option<Response> {
        [
            Response::None,
            Response::Accepted,
            Response::Tentative,
            Response::Declined,
        ]
        .into_iter()
        .find(|r| r.code() == code)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendee {
    #[serde(default)]
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub response: Response,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub title: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub description: String,
    pub when: When,
    /// Minutes before the start; `None`: no reminder.
    #[serde(default)]
    pub reminder_minutes: Option<u32>,
    #[serde(default)]
    pub busy: BusyStatus,
    #[serde(default)]
    pub sensitivity: Sensitivity,
    /// The RFC 5545 RRULE value (`FREQ=WEEKLY;BYDAY=MO,WE`), `None` for a single event.
    #[serde(default)]
    pub rrule: Option<String>,
    #[serde(default)]
    pub attendees: Vec<Attendee>,
}

/// What one occurrence of a series has of its own (an exception that is not a deletion).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Occurrence {
    pub title: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub description: String,
    pub when: When,
    #[serde(default)]
    pub reminder_minutes: Option<u32>,
    #[serde(default)]
    pub busy: BusyStatus,
}

/// One occurrence of a series, named by its original start (UTC seconds; for an all-day
/// series the original date's midnight UTC), deleted or changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exception {
    pub original_start: i64,
    /// `None`: the occurrence is deleted.
    pub changes: Option<Occurrence>,
}

impl Event {
    /// One occurrence of this event happening `when`, with the event's own title, place,
    /// description, reminder and busy status (what an exception may change).
    pub fn occurrence(self, when: When) -> Occurrence {
        Occurrence {
            title: self.title,
            location: self.location,
            description: self.description,
            when,
            reminder_minutes: self.reminder_minutes,
            busy: self.busy,
        }
    }

    /// Trims, checks the fields the console can check without a time-zone database (the zone
    /// name and the rule are checked by the backend, which has one) and reports every
    /// wrong field.
    pub fn normalised(mut self) -> Result<Event, Vec<FieldError>> {
        let mut errors = Vec::new();
        self.title = self.title.trim().to_string();
        self.location = self.location.trim().to_string();
        if self.title.is_empty() {
            errors.push(("title", Msg::Required));
        } else if self.title.chars().count() > TITLE_MAX {
            errors.push(("title", Msg::TooLong));
        }
        if self.location.chars().count() > TITLE_MAX {
            errors.push(("location", Msg::TooLong));
        }
        if self.description.chars().count() > DESCRIPTION_MAX {
            errors.push(("description", Msg::TooLong));
        }
        let (start, end) = self.when.utc_span();
        if end < start || (matches!(self.when, When::AllDay { .. }) && end == start) {
            errors.push(("end", Msg::EndBeforeStart));
        }
        if self
            .reminder_minutes
            .is_some_and(|m| m > REMINDER_MAX_MINUTES)
        {
            errors.push(("reminder", Msg::TooLong));
        }
        self.rrule = self
            .rrule
            .map(|r| r.trim().trim_start_matches("RRULE:").to_string())
            .filter(|r| !r.is_empty());
        self.attendees.retain(|a| !a.email.trim().is_empty());
        if self.attendees.len() > MAX_ATTENDEES {
            errors.push(("attendees", Msg::TooMany));
        }
        for a in &mut self.attendees {
            a.name = a.name.trim().to_string();
            match validation::email(&a.email) {
                Ok(e) => a.email = e,
                Err(msg) => {
                    errors.push(("attendees", msg));
                    break;
                }
            }
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meeting() -> Event {
        Event {
            title: " Riunione ".into(),
            location: "Sala 1".into(),
            description: String::new(),
            when: When::Timed {
                start: 1_700_000_000,
                end: 1_700_003_600,
                time_zone: "Europe/Rome".into(),
            },
            reminder_minutes: Some(15),
            busy: BusyStatus::Busy,
            sensitivity: Sensitivity::Normal,
            rrule: Some("RRULE:FREQ=WEEKLY;BYDAY=MO".into()),
            attendees: vec![Attendee {
                name: "Bob".into(),
                email: "bob@example.it".into(),
                response: Response::Accepted,
            }],
        }
    }

    #[test]
    fn normalising_trims_and_keeps_the_rule_value_only() {
        let e = meeting().normalised().unwrap();
        assert_eq!(e.title, "Riunione");
        assert_eq!(e.rrule.as_deref(), Some("FREQ=WEEKLY;BYDAY=MO"));
    }

    #[test]
    fn an_event_cannot_end_before_it_starts_or_go_without_a_title() {
        let mut e = meeting();
        e.title = "  ".into();
        e.when = When::Timed {
            start: 10,
            end: 5,
            time_zone: "UTC".into(),
        };
        let errors = e.normalised().unwrap_err();
        assert!(errors.contains(&("title", Msg::Required)));
        assert!(errors.contains(&("end", Msg::EndBeforeStart)));
        let mut e = meeting();
        let day = Date::new(2025, 3, 1).unwrap();
        e.when = When::AllDay {
            start: day,
            end: day,
        };
        assert_eq!(
            e.normalised().unwrap_err(),
            vec![("end", Msg::EndBeforeStart)]
        );
    }

    #[test]
    fn attendees_need_a_real_address() {
        let mut e = meeting();
        e.attendees.push(Attendee {
            name: "X".into(),
            email: "nope".into(),
            response: Response::None,
        });
        assert_eq!(
            e.normalised().unwrap_err(),
            vec![("attendees", Msg::EmailFormat)]
        );
    }

    #[test]
    fn codes_read_back() {
        for b in [
            BusyStatus::Free,
            BusyStatus::Tentative,
            BusyStatus::Busy,
            BusyStatus::OutOfOffice,
            BusyStatus::WorkingElsewhere,
        ] {
            assert_eq!(BusyStatus::from_code(b.code()), Some(b));
        }
        for s in [
            Sensitivity::Normal,
            Sensitivity::Personal,
            Sensitivity::Private,
            Sensitivity::Confidential,
        ] {
            assert_eq!(Sensitivity::from_code(s.code()), Some(s));
        }
        for r in [
            Response::None,
            Response::Accepted,
            Response::Tentative,
            Response::Declined,
        ] {
            assert_eq!(Response::from_code(r.code()), Some(r));
        }
        assert_eq!(BusyStatus::from_code("x"), None);
    }

    #[test]
    fn an_all_day_span_is_whole_utc_days() {
        let when = When::AllDay {
            start: Date::new(1970, 1, 2).unwrap(),
            end: Date::new(1970, 1, 3).unwrap(),
        };
        assert_eq!(when.utc_span(), (86_400, 172_800));
    }
}
