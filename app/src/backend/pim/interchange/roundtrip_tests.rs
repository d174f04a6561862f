//! Exporting then importing loses nothing the forms hold (SPEC 6): any contact or event the
//! form accepts comes back identical.

use super::*;
use crate::domain::date::Date;
use crate::domain::model::calendar::{
    Attendee, BusyStatus, Event, Exception, Response, Sensitivity, When, REMINDER_MAX_MINUTES,
};
use crate::domain::model::contacts::{Address, AddressKind, Contact, Phone, PhoneKind};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;

/// Single-line text with what escaping, quoting and folding must survive.
fn line() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 ,;:\\\\\"'^.=\\-àé日本語😀]{0,24}"
}

/// Multi-line text (notes, descriptions), long enough to fold.
fn lines() -> impl Strategy<Value = String> {
    "[a-zA-Z ,;:\\\\\"^=\\-é日😀\n\t]{0,200}"
}

fn email() -> impl Strategy<Value = String> {
    "[a-z0-9._]{1,10}@[a-z]{1,8}\\.(it|com|org)"
}

fn date() -> impl Strategy<Value = Date> {
    (1..=9999i32, 1..=12u8, 1..=28u8).prop_filter_map("a date", |(y, m, d)| Date::new(y, m, d))
}

fn phone() -> impl Strategy<Value = Phone> {
    (select(PhoneKind::ALL.to_vec()), "[0-9 +()./\\-]{1,20}")
        .prop_map(|(kind, number)| Phone { kind, number })
}

fn address() -> impl Strategy<Value = Address> {
    let kind = select(vec![
        AddressKind::Work,
        AddressKind::Home,
        AddressKind::Other,
    ]);
    (kind, line(), line(), line(), line(), line()).prop_map(
        |(kind, street, city, region, postal_code, country)| Address {
            kind,
            street,
            city,
            region,
            postal_code,
            country,
        },
    )
}

prop_compose! {
    fn contact()(
        names in vec(line(), 9),
        emails in vec(email(), 0..=3),
        phones in vec(phone(), 0..=8),
        addresses in vec(address(), 0..=3),
        birthday in option::of(date()),
        anniversary in option::of(date()),
        website in line(),
        notes in lines(),
        categories in vec(line(), 0..=6),
        im in vec(line(), 0..=3),
    ) -> Contact {
        Contact {
            title: names[0].clone(),
            first_name: names[1].clone(),
            middle_name: names[2].clone(),
            last_name: names[3].clone(),
            suffix: names[4].clone(),
            nickname: names[5].clone(),
            company: names[6].clone(),
            department: names[7].clone(),
            job_title: names[8].clone(),
            emails, phones, addresses, birthday, anniversary, website, notes, categories, im,
        }
    }
}

const ZONES: [&str; 6] = [
    "Europe/Rome",
    "America/New_York",
    "UTC",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "America/Sao_Paulo",
];

/// 1970 to 2100, with the repeated and skipped hours of clock changes hit often enough:
/// starts are whole quarter hours half of the time.
fn when() -> impl Strategy<Value = When> {
    let timed = (
        0..4_102_444_800i64,
        0..3 * 86_400i64,
        select(ZONES.to_vec()),
        any::<bool>(),
    )
        .prop_map(|(start, length, zone, quarter)| {
            let start = if quarter { start - start % 900 } else { start };
            When::Timed {
                start,
                end: start + length,
                time_zone: zone.to_string(),
            }
        });
    let all_day = (
        date().prop_filter("room for exceptions", |d| d.year() < 9000),
        1..20i64,
    )
        .prop_filter_map("end in range", |(start, days)| {
            Some(When::AllDay {
                start,
                end: start.add_days(days)?,
            })
        });
    prop_oneof![timed, all_day]
}

fn busy() -> impl Strategy<Value = BusyStatus> {
    select(vec![
        BusyStatus::Free,
        BusyStatus::Tentative,
        BusyStatus::Busy,
        BusyStatus::OutOfOffice,
        BusyStatus::WorkingElsewhere,
    ])
}

fn attendee() -> impl Strategy<Value = Attendee> {
    let response = select(vec![
        Response::None,
        Response::Accepted,
        Response::Tentative,
        Response::Declined,
    ]);
    (line(), email(), response).prop_map(|(name, email, response)| Attendee {
        name,
        email,
        response,
    })
}

prop_compose! {
    fn event()(
        title in "[a-zA-Z]" , rest in line(), location in line(), description in lines(),
        when in when(), reminder_minutes in option::of(0..=REMINDER_MAX_MINUTES), busy in busy(),
        sensitivity in select(vec![Sensitivity::Normal, Sensitivity::Personal, Sensitivity::Private, Sensitivity::Confidential]),
        rrule in option::of(select(vec!["FREQ=DAILY;COUNT=5", "FREQ=WEEKLY;BYDAY=MO,WE", "FREQ=MONTHLY;BYMONTHDAY=15;UNTIL=20301231T000000Z", "FREQ=YEARLY;INTERVAL=2"])),
        attendees in vec(attendee(), 0..=3),
    ) -> Event {
        Event {
            title: title + &rest, location, description, when, reminder_minutes, busy, sensitivity,
            rrule: rrule.map(str::to_string), attendees,
        }
    }
}

/// Exceptions of `series`: occurrences named as the series names them (a date's midnight
/// UTC when it is all-day), deleted or changed into a valid occurrence.
fn exceptions(series: When) -> impl Strategy<Value = Vec<Exception>> {
    let base = series.utc_span().0;
    let all_day = matches!(series, When::AllDay { .. });
    let exception = (0..400i64, 0..86_400i64, option::of(event())).prop_map(move |(k, s, e)| {
        let original_start = if all_day {
            base + k * 86_400
        } else {
            base + k * 86_400 + s - 43_200
        };
        let changes = e.and_then(|e| e.normalised().ok()).map(|e| {
            let when = e.when.clone();
            e.occurrence(when)
        });
        Exception {
            original_start,
            changes,
        }
    });
    vec(exception, 0..=4).prop_map(|mut xs| {
        // One per occurrence, in order: what an import returns.
        xs.sort_by_key(|x| x.original_start);
        xs.dedup_by_key(|x| x.original_start);
        xs
    })
}

fn series() -> impl Strategy<Value = (Event, Vec<Exception>)> {
    event().prop_flat_map(|e| {
        let when = e.when.clone();
        (Just(e), exceptions(when))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_contact_comes_back_identical(
        c in contact(),
        picture in option::of((vec(any::<u8>(), 1..300), select(vec!["image/jpeg", "image/png"]))),
        uid in "[a-zA-Z0-9:,;\\-]{1,40}",
    ) {
        let Ok(c) = c.normalised() else { return Ok(()) };
        let text = write_vcard(&uid, &c, picture.as_ref().map(|(b, m)| (b.as_slice(), *m)));
        let parsed = parse_vcards(&text);
        prop_assert_eq!(&parsed.skipped, &vec![], "{}", text);
        prop_assert_eq!(parsed.items.len(), 1);
        let item = &parsed.items[0];
        prop_assert_eq!(item.uid.as_deref(), Some(uid.as_str()));
        prop_assert_eq!(&item.value.contact, &c, "{}", text);
        prop_assert_eq!(&item.value.picture, &picture.map(|(b, _)| b));
    }

    #[test]
    fn events_come_back_identical(
        all in vec(series(), 1..=3),
        zone in select(ZONES.to_vec()),
    ) {
        let mut written = Vec::new();
        for (i, (e, xs)) in all.into_iter().enumerate() {
            let Ok(e) = e.normalised() else { return Ok(()) };
            written.push((format!("uid-{i},x;y"), e, xs));
        }
        let text = write_calendar(&written);
        let parsed = parse_calendar(&text, zone);
        prop_assert_eq!(&parsed.skipped, &vec![], "{}", text);
        let got: Vec<(String, Event, Vec<Exception>)> = parsed
            .items
            .into_iter()
            .map(|i| (i.uid.unwrap_or_default(), i.value.event, i.value.exceptions))
            .collect();
        prop_assert_eq!(&got, &written, "{}", text);
    }
}
