//! Time zones: the TZIDs files carry → IANA zones, and wall-clock times ↔ UTC seconds, with
//! the rules the console's forms use (a repeated hour is its first pass, a skipped one moves
//! an hour on).

use calcard::common::timezone::Tz as AnyTz;
use chrono::{Duration, LocalResult, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use std::collections::HashMap;

/// How the zones of one file are read.
pub(crate) struct Zones {
    /// TZIDs of the file's VTIMEZONEs that name a known zone (X-LIC-LOCATION, Outlook's ids).
    defined: HashMap<String, Tz>,
    /// The user's zone: floating and UTC times are shown in it.
    pub default: Tz,
}

impl Zones {
    /// `default_zone` is the user's IANA zone; UTC if it is not one.
    pub fn new(default_zone: &str) -> Zones {
        Zones {
            defined: HashMap::new(),
            default: default_zone.parse().unwrap_or(Tz::UTC),
        }
    }

    pub fn define(&mut self, tzid: &str, tz: Tz) {
        self.defined.insert(tzid.to_string(), tz);
    }

    /// An IANA name; else what the file's VTIMEZONE says; else a Windows name ("W. Europe
    /// Standard Time"), an Outlook label ("(UTC+01:00) Amsterdam, Berlin, …") or a prefixed
    /// IANA name ("/mozilla.org/20050126_1/Europe/Rome"), as calcard's table knows them.
    pub fn resolve(&self, tzid: &str) -> Option<Tz> {
        if let Ok(tz) = tzid.parse::<Tz>() {
            return Some(tz);
        }
        if let Some(tz) = self.defined.get(tzid) {
            return Some(*tz);
        }
        match tzid.parse::<AnyTz>() {
            Ok(AnyTz::Tz(tz)) => Some(tz),
            _ => None,
        }
    }
}

/// The instant a wall-clock time names in `tz`.
pub(crate) fn to_utc(local: NaiveDateTime, tz: Tz) -> Option<i64> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t.timestamp()),
        LocalResult::None => tz
            .from_local_datetime(&(local + Duration::hours(1)))
            .earliest()
            .map(|t| t.timestamp()),
    }
}

/// The wall-clock time of an instant in `tz`, if writing it that way reads back as the same
/// instant (not so in the second pass of a repeated hour).
pub(crate) fn to_local_exact(utc: i64, tz: Tz) -> Option<NaiveDateTime> {
    let local = tz.timestamp_opt(utc, 0).single()?.naive_local();
    (to_utc(local, tz) == Some(utc)).then_some(local)
}

/// The wall-clock time of an instant in `tz`.
pub(crate) fn to_local(utc: i64, tz: Tz) -> Option<NaiveDateTime> {
    tz.timestamp_opt(utc, 0).single().map(|t| t.naive_local())
}
