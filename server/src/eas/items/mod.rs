//! The door's item codecs: what the sync engine's items look like in `ApplicationData`, one
//! module per class, and the date formats they share.

pub mod contact;
pub mod event;
pub mod recurrence;
pub mod timezone;

use crate::eas::wbxml::Element;
use app::backend::pim::local_time::date_meant;
use app::domain::date::Date;
use std::collections::HashMap;

/// `2026-11-24T08:30:00.000Z` (MS-ASDTYPE dateTime, always UTC).
pub fn eas_date(utc: i64) -> String {
    let day = utc.div_euclid(86_400);
    let second = utc.rem_euclid(86_400);
    let date = Date::from_days_since_epoch(day)
        .map_or_else(|| "1970-01-01".to_string(), |d| d.to_string());
    format!(
        "{date}T{:02}:{:02}:{:02}.000Z",
        second / 3600,
        second / 60 % 60,
        second % 60
    )
}

/// An instant as devices write it (`2026-11-24T08:30:00.000Z`, `…:00Z`, `20261124T083000Z`,
/// or a bare date) in UTC seconds.
pub fn parse_eas_time(s: &str) -> Option<i64> {
    let s = s.trim().trim_end_matches('Z');
    let (date, time) = s.split_once('T').unwrap_or((s, ""));
    let date = if date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()) {
        Date::parse(&format!("{}-{}-{}", &date[..4], &date[4..6], &date[6..]))?
    } else {
        Date::parse(date)?
    };
    let time: String = time.split('.').next().unwrap_or_default().replace(':', "");
    let seconds = match time.len() {
        0 => 0,
        6 if time.bytes().all(|b| b.is_ascii_digit()) => {
            let n = |r: std::ops::Range<usize>| time[r].parse::<i64>().ok();
            let (h, m, s) = (n(0..2)?, n(2..4)?, n(4..6)?);
            if h > 23 || m > 59 || s > 60 {
                return None;
            }
            h * 3600 + m * 60 + s
        }
        _ => return None,
    };
    Some(date.midnight_utc() + seconds)
}

/// The date a device meant by a date-only property (birthday, anniversary).
pub fn parse_eas_date(s: &str, zone: &str) -> Option<Date> {
    date_meant(parse_eas_time(s)?, zone)
}

/// The properties a device sent, by `Page:Tag`, and whether one it left out is cleared.
pub struct Sent<'a> {
    present: HashMap<String, &'a Element>,
    supported: Option<&'a [String]>,
}

impl<'a> Sent<'a> {
    pub fn new(data: &'a Element, supported: Option<&'a [String]>) -> Self {
        let present = data
            .elements()
            .filter_map(|e| {
                let (page, tag) = crate::eas::codepages::name(e.page, e.token)?;
                Some((format!("{page}:{tag}"), e))
            })
            .collect();
        Sent { present, supported }
    }

    pub fn get(&self, page: &str, tag: &str) -> Option<&'a Element> {
        self.present.get(&format!("{page}:{tag}")).copied()
    }

    /// The text sent for the property: `Some("")` for an empty element.
    pub fn text(&self, page: &str, tag: &str) -> Option<String> {
        self.get(page, tag)
            .map(|e| e.text_content().unwrap_or_default().trim().to_string())
    }

    /// Left out, and the device says it supports it: it was cleared on the device.
    pub fn cleared(&self, page: &str, tag: &str) -> bool {
        self.get(page, tag).is_none()
            && self
                .supported
                .is_none_or(|s| s.iter().any(|n| n == &format!("{page}:{tag}")))
    }

    /// The new value of a property: `Some` to set (empty: clear), `None` to keep.
    pub fn value(&self, page: &str, tag: &str) -> Option<String> {
        match self.text(page, tag) {
            Some(v) => Some(v),
            None if self.cleared(page, tag) => Some(String::new()),
            None => None,
        }
    }
}

/// The `Categories` a device sent for an item: `Some` to set (empty: cleared on the device),
/// `None` to keep.
pub fn categories(sent: &Sent<'_>, page: &str, max_each: usize, max: usize) -> Option<Vec<String>> {
    match sent.get(page, "Categories") {
        Some(list) => Some(
            list.elements()
                .filter_map(Element::text_content)
                .map(|t| cut(t.trim().to_string(), max_each))
                .filter(|t| !t.is_empty())
                .take(max)
                .collect(),
        ),
        None if sent.cleared(page, "Categories") => Some(Vec::new()),
        None => None,
    }
}

/// At most `max` characters of `s`.
pub fn cut(s: String, max: usize) -> String {
    if s.chars().count() > max {
        s.chars().take(max).collect()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_read_back_in_every_shape_devices_write() {
        let t = parse_eas_time("2026-11-24T08:30:05.000Z").unwrap();
        assert_eq!(eas_date(t), "2026-11-24T08:30:05.000Z");
        assert_eq!(parse_eas_time("2026-11-24T08:30:05Z"), Some(t));
        assert_eq!(parse_eas_time("20261124T083005Z"), Some(t));
        assert_eq!(
            parse_eas_time("2026-11-24"),
            Date::new(2026, 11, 24).map(Date::midnight_utc)
        );
        for bad in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-11-24T25:00:00Z",
            "2026-11-24T08:30",
        ] {
            assert_eq!(parse_eas_time(bad), None, "{bad}");
        }
        assert_eq!(eas_date(-1), "1969-12-31T23:59:59.000Z");
    }
}
