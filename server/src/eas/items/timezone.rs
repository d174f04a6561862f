//! The `TimeZone` blob of calendar items (MS-ASDTYPE 2.7.6): a 172-byte TIME_ZONE_INFORMATION,
//! base64 in `Calendar:TimeZone`. Written from an IANA zone with its real standard and
//! daylight rules for the event's year (never zeros: a zeroed blob makes phones move recurring
//! events by an hour), and read back to the IANA zone whose rules match, preferring the
//! user's own.

pub use app::backend::pim::zone_rules::{rules, Daylight, Rules, Transition};
use chrono_tz::Tz;

fn put_i32(out: &mut Vec<u8>, v: i32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_name(out: &mut Vec<u8>, name: &str) {
    let mut units: Vec<u16> = name.encode_utf16().take(31).collect();
    units.resize(32, 0);
    for u in units {
        out.extend_from_slice(&u.to_le_bytes());
    }
}

fn put_date(out: &mut Vec<u8>, t: Option<Transition>) {
    let t = t.unwrap_or_default();
    // SYSTEMTIME: year (0: every year), month, day of week, day (the week), hour, minute,
    // second, milliseconds.
    for v in [0, t.month, t.weekday, t.week, t.hour, t.minute, 0, 0] {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// The 172-byte blob for `zone` in `year` (names are the IANA name: phones show their own).
pub fn encode(zone: &str, year: i32) -> Vec<u8> {
    let tz: Tz = zone.parse().unwrap_or(Tz::UTC);
    let r = rules(tz, year);
    let mut out = Vec::with_capacity(172);
    put_i32(&mut out, r.bias);
    put_name(&mut out, zone);
    put_date(&mut out, r.daylight.map(|d| d.standard_starts));
    put_i32(&mut out, 0);
    put_name(&mut out, zone);
    put_date(&mut out, r.daylight.map(|d| d.daylight_starts));
    put_i32(&mut out, r.daylight.map_or(0, |d| d.bias));
    out
}

/// What a blob says; `None` unless it is 172 bytes.
pub fn decode(blob: &[u8]) -> Option<Rules> {
    if blob.len() != 172 {
        return None;
    }
    let i32_at =
        |at: usize| i32::from_le_bytes([blob[at], blob[at + 1], blob[at + 2], blob[at + 3]]);
    let date_at = |at: usize| {
        let u = |i: usize| u16::from_le_bytes([blob[at + 2 * i], blob[at + 2 * i + 1]]);
        Transition {
            month: u(1),
            weekday: u(2),
            week: u(3),
            hour: u(4),
            minute: u(5),
        }
    };
    let bias = i32_at(0);
    let standard_starts = date_at(68);
    let standard_bias = i32_at(84);
    let daylight_starts = date_at(152);
    let daylight_bias = i32_at(168);
    let daylight = (standard_starts.month != 0 && daylight_starts.month != 0).then_some(Daylight {
        standard_starts,
        daylight_starts,
        bias: daylight_bias - standard_bias,
    });
    Some(Rules {
        bias: bias + standard_bias,
        daylight,
    })
}

/// The zones most people who share a set of rules would name (a blob does not say which of
/// New York, Detroit and Toronto it is): tried before the rest, in this order.
const PRINCIPAL: [&str; 54] = [
    "Europe/Rome",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Madrid",
    "Europe/Zurich",
    "Europe/Vienna",
    "Europe/Amsterdam",
    "Europe/Brussels",
    "Europe/Warsaw",
    "Europe/Prague",
    "Europe/Athens",
    "Europe/Bucharest",
    "Europe/Helsinki",
    "Europe/Kyiv",
    "Europe/Istanbul",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Halifax",
    "America/St_Johns",
    "America/Mexico_City",
    "America/Bogota",
    "America/Lima",
    "America/Caracas",
    "America/Santiago",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "Africa/Cairo",
    "Africa/Johannesburg",
    "Africa/Lagos",
    "Africa/Nairobi",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Australia/Perth",
    "Australia/Adelaide",
    "Australia/Brisbane",
    "Australia/Sydney",
    "Pacific/Auckland",
    "UTC",
];

/// The IANA zone a blob means in `year`: the user's own zone if its rules match, else the
/// first principal zone that does, else the first other zone (by name), else UTC.
pub fn zone_of(blob: &[u8], year: i32, preferred: &str) -> String {
    let Some(wanted) = decode(blob) else {
        return preferred_or_utc(preferred);
    };
    if let Ok(tz) = preferred.parse::<Tz>() {
        if rules(tz, year) == wanted {
            return preferred.to_string();
        }
    }
    // Principal zones, then zones people live in (Etc/ and the old aliases last).
    let mut names: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect();
    names.sort_by_key(|n| (!n.contains('/') || n.starts_with("Etc/"), *n));
    for name in PRINCIPAL.into_iter().chain(names) {
        if let Ok(tz) = name.parse::<Tz>() {
            if rules(tz, year) == wanted {
                return name.to_string();
            }
        }
    }
    preferred_or_utc(preferred)
}

fn preferred_or_utc(preferred: &str) -> String {
    if preferred.parse::<Tz>().is_ok() {
        preferred.to_string()
    } else {
        "UTC".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(month: u16, weekday: u16, week: u16, hour: u16) -> Transition {
        Transition {
            month,
            weekday,
            week,
            hour,
            minute: 0,
        }
    }

    #[test]
    fn zones_north_and_south_of_the_equator_and_without_dst() {
        // Rome: UTC+1, summer from the last Sunday of March at 02:00 to the last Sunday of
        // October at 03:00.
        assert_eq!(
            rules(chrono_tz::Europe::Rome, 2026),
            Rules {
                bias: -60,
                daylight: Some(Daylight {
                    standard_starts: t(10, 0, 5, 3),
                    daylight_starts: t(3, 0, 5, 2),
                    bias: -60,
                }),
            }
        );
        // New York: UTC-5, second Sunday of March to first Sunday of November, at 2:00.
        assert_eq!(
            rules(chrono_tz::America::New_York, 2026),
            Rules {
                bias: 300,
                daylight: Some(Daylight {
                    standard_starts: t(11, 0, 1, 2),
                    daylight_starts: t(3, 0, 2, 2),
                    bias: -60,
                }),
            }
        );
        // Sydney: UTC+10, summer from the first Sunday of October to the first Sunday of April,
        // at 2:00 and 3:00.
        assert_eq!(
            rules(chrono_tz::Australia::Sydney, 2026),
            Rules {
                bias: -600,
                daylight: Some(Daylight {
                    standard_starts: t(4, 0, 1, 3),
                    daylight_starts: t(10, 0, 1, 2),
                    bias: -60,
                }),
            }
        );
        // Tokyo and Kolkata: no daylight saving time.
        assert_eq!(
            rules(chrono_tz::Asia::Tokyo, 2026),
            Rules {
                bias: -540,
                daylight: None
            }
        );
        assert_eq!(rules(chrono_tz::Asia::Kolkata, 2026).bias, -330);
    }

    #[test]
    fn the_blob_is_172_bytes_never_zeros_and_reads_back_to_the_zone() {
        for (zone, user) in [
            ("Europe/Rome", "Europe/Rome"),
            ("America/New_York", ""),
            ("Australia/Sydney", ""),
            ("Asia/Tokyo", "Asia/Tokyo"),
            ("UTC", ""),
        ] {
            let blob = encode(zone, 2026);
            assert_eq!(blob.len(), 172);
            let back = zone_of(&blob, 2026, user);
            let tz: Tz = back.parse().unwrap();
            assert_eq!(
                rules(tz, 2026),
                rules(zone.parse().unwrap(), 2026),
                "{zone} read back as {back}"
            );
        }
        assert_ne!(encode("Europe/Rome", 2026), vec![0; 172]);
        // Several zones share Rome's rules: the user's own is preferred.
        assert_eq!(
            zone_of(&encode("Europe/Rome", 2026), 2026, "Europe/Berlin"),
            "Europe/Berlin"
        );
        let other = zone_of(&encode("Europe/Rome", 2026), 2026, "Asia/Tokyo");
        assert_eq!(
            rules(other.parse().unwrap(), 2026),
            rules(chrono_tz::Europe::Rome, 2026),
            "Tokyo's rules differ: another zone with Rome's ({other})"
        );
        // Nonsense is not a zone: the user's, else UTC.
        assert_eq!(zone_of(b"short", 2026, "Europe/Rome"), "Europe/Rome");
        assert_eq!(zone_of(b"short", 2026, "Not/AZone"), "UTC");
    }

    #[test]
    fn a_blob_written_by_a_phone_is_read_with_its_standard_bias() {
        // Rome as Outlook writes it (names in UTF-16, standard bias 0, daylight -60).
        let blob = encode("Europe/Rome", 2026);
        let r = decode(&blob).unwrap();
        assert_eq!(r.bias, -60);
        assert_eq!(r.daylight.unwrap().bias, -60);
        assert_eq!(decode(&[0; 171]), None);
        assert_eq!(
            decode(&[0; 172]),
            Some(Rules {
                bias: 0,
                daylight: None
            }),
            "all zeros: UTC without daylight time"
        );
    }
}
