//! The Calendar folder syncs both ways on every protocol version the door advertises (issue
//! 15), at the WBXML level: the console's events reach a phone with their times, zone, series
//! and exceptions as each version says, come back unchanged when the phone sends them back, and
//! a phone's own adds, changes and deletions (also of one occurrence, 16.x) reach the console.

mod common;

use app::backend::pim::calendar;
use app::domain::date::Date;
use app::domain::ids::UserId;
use app::domain::model::calendar::{
    Attendee, BusyStatus, Event, Exception, Occurrence, Response, Sensitivity, When,
};
use common::door::{anna, LOGIN};
use common::phone::{add, change, collection, commands, delete, sync_body, text, Phone};
use common::TestServer;
use server::eas::wbxml::Element;

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
/// Monday 2026-03-02 08:00 UTC (09:00 in Rome).
const MONDAY: i64 = 1_772_438_400;
const VERSIONS: [&str; 4] = ["14.0", "14.1", "16.0", "16.1"];

fn meeting(title: &str, when: When, rrule: Option<&str>) -> Event {
    Event {
        title: title.into(),
        location: "Sala 1".into(),
        description: "Ordine del giorno".into(),
        when,
        reminder_minutes: Some(10),
        busy: BusyStatus::Busy,
        sensitivity: Sensitivity::Normal,
        rrule: rrule.map(str::to_string),
        attendees: vec![Attendee {
            name: "Bruno".into(),
            email: "bruno@example.it".into(),
            response: Response::Tentative,
        }],
    }
}

fn rome(start: i64, end: i64) -> When {
    When::Timed {
        start,
        end,
        time_zone: "Europe/Rome".into(),
    }
}

/// The five events in Anna's console: plain, all-day, a weekly series with a moved and
/// a deleted occurrence, a monthly "last Friday" series, and one in New York's zone.
async fn console_events(server: &TestServer, anna: UserId) -> Vec<i64> {
    let s = &server.state;
    calendar::set_time_zone(s, anna, "Europe/Rome")
        .await
        .unwrap();
    let plain = calendar::create(s, anna, meeting("Plain", rome(MONDAY, MONDAY + HOUR), None))
        .await
        .unwrap();
    let all_day = calendar::create(
        s,
        anna,
        meeting(
            "Holiday",
            When::AllDay {
                start: Date::new(2026, 3, 10).unwrap(),
                end: Date::new(2026, 3, 11).unwrap(),
            },
            None,
        ),
    )
    .await
    .unwrap();
    let weekly = calendar::create(
        s,
        anna,
        meeting(
            "Weekly",
            rome(MONDAY, MONDAY + HOUR),
            Some("FREQ=WEEKLY;BYDAY=MO;COUNT=8"),
        ),
    )
    .await
    .unwrap();
    let moved = Occurrence {
        title: "Weekly (moved)".into(),
        location: "Sala 2".into(),
        description: String::new(),
        when: rome(MONDAY + 8 * DAY + 2 * HOUR, MONDAY + 8 * DAY + 3 * HOUR),
        reminder_minutes: None,
        busy: BusyStatus::Busy,
    };
    calendar::set_exception(
        s,
        anna,
        weekly,
        Exception {
            original_start: MONDAY + 7 * DAY,
            changes: Some(moved),
        },
    )
    .await
    .unwrap();
    calendar::set_exception(
        s,
        anna,
        weekly,
        Exception {
            original_start: MONDAY + 14 * DAY,
            changes: None,
        },
    )
    .await
    .unwrap();
    let friday = MONDAY + 25 * DAY + 6 * HOUR;
    let last_friday = calendar::create(
        s,
        anna,
        meeting(
            "Last Friday",
            rome(friday, friday + HOUR),
            Some("FREQ=MONTHLY;BYDAY=-1FR;COUNT=6"),
        ),
    )
    .await
    .unwrap();
    let new_york = calendar::create(
        s,
        anna,
        meeting(
            "New York",
            When::Timed {
                start: MONDAY + 14 * HOUR,
                end: MONDAY + 15 * HOUR,
                time_zone: "America/New_York".into(),
            },
            None,
        ),
    )
    .await
    .unwrap();
    vec![plain, all_day, weekly, last_friday, new_york]
}

/// Primes the phone's Calendar and takes everything; the key and the items by server id.
async fn take_all(phone: &Phone<'_>) -> (String, Vec<(String, Element)>) {
    let first = phone
        .command("Sync", &sync_body("calendar", "0", None, vec![]))
        .await
        .unwrap();
    let mut key = text(collection(&first), "AirSync", "SyncKey").to_string();
    let mut items = Vec::new();
    loop {
        let Some(a) = phone
            .command("Sync", &sync_body("calendar", &key, Some(100), vec![]))
            .await
        else {
            return (key, items);
        };
        let c = collection(&a);
        key = text(c, "AirSync", "SyncKey").to_string();
        if let Some(list) = c.get("AirSync", "Commands") {
            for e in list.elements().filter(|e| e.is("AirSync", "Add")) {
                let id = text(e, "AirSync", "ServerId").to_string();
                items.push((id, e.get("AirSync", "ApplicationData").unwrap().clone()));
            }
        }
        if c.get("AirSync", "MoreAvailable").is_none() {
            return (key, items);
        }
    }
}

fn field<'a>(data: &'a Element, tag: &str) -> Option<&'a str> {
    data.get_text("Calendar", tag)
}

#[tokio::test]
async fn the_consoles_events_reach_each_version_and_come_back_unchanged() {
    let server = TestServer::start().await;
    let anna_id = anna(&server, true, false, false).await;
    let ids = console_events(&server, anna_id).await;
    let mut before = Vec::new();
    for id in &ids {
        before.push(calendar::get(&server.state, anna_id, *id).await.unwrap());
    }
    for (n, version) in VERSIONS.into_iter().enumerate() {
        let mut phone = Phone::new(&server, "anna", LOGIN, &format!("CAL{n}")).await;
        phone.version = version;
        let (mut key, items) = take_all(&phone).await;
        assert_eq!(items.len(), 5, "{version}");
        let by_subject = |s: &str| {
            items
                .iter()
                .find(|(_, d)| field(d, "Subject") == Some(s))
                .unwrap_or_else(|| panic!("{version}: no {s}"))
        };
        let v16 = version.starts_with("16");
        let (_, plain) = by_subject("Plain");
        assert_eq!(field(plain, "StartTime"), Some("20260302T080000Z"));
        assert_eq!(field(plain, "OrganizerEmail"), Some("anna@example.it"));
        assert!(field(plain, "TimeZone").is_some_and(|z| z.len() > 200));
        let (_, holiday) = by_subject("Holiday");
        assert_eq!(field(holiday, "AllDayEvent"), Some("1"));
        if v16 {
            assert_eq!(field(holiday, "StartTime"), Some("20260310T000000Z"));
            assert_eq!(field(holiday, "TimeZone"), None);
            assert!(plain.get("AirSyncBase", "Location").is_some());
        } else {
            assert_eq!(field(holiday, "StartTime"), Some("20260309T230000Z"));
            assert_eq!(field(plain, "Location"), Some("Sala 1"));
        }
        let (_, weekly) = by_subject("Weekly");
        let recurrence = weekly.get("Calendar", "Recurrence").unwrap();
        assert_eq!(recurrence.get_text("Calendar", "Type"), Some("1"));
        assert_eq!(recurrence.get_text("Calendar", "DayOfWeek"), Some("2"));
        let exceptions = weekly.get("Calendar", "Exceptions").unwrap();
        assert_eq!(exceptions.elements().count(), 2);
        let (_, friday) = by_subject("Last Friday");
        let r = friday.get("Calendar", "Recurrence").unwrap();
        assert_eq!(r.get_text("Calendar", "Type"), Some("3"));
        assert_eq!(r.get_text("Calendar", "WeekOfMonth"), Some("5"));
        assert_eq!(r.get_text("Calendar", "DayOfWeek"), Some("32"));

        // The phone sends every event back as it got it: the console's events do not move.
        let changes: Vec<Element> = items
            .iter()
            .map(|(id, data)| change(id, data.clone()))
            .collect();
        let a = phone
            .command("Sync", &sync_body("calendar", &key, None, changes))
            .await
            .unwrap();
        let c = collection(&a);
        assert_eq!(text(c, "AirSync", "Status"), "1", "{version}");
        assert!(
            c.get("AirSync", "Responses").is_none(),
            "{version}: all applied"
        );
        key = text(c, "AirSync", "SyncKey").to_string();
        for (id, was) in ids.iter().zip(&before) {
            let now = calendar::get(&server.state, anna_id, *id).await.unwrap();
            assert_eq!(&now, was, "{version}: event {id} changed on its way back");
        }
        // Its own changes are not echoed back to it.
        assert!(phone
            .command("Sync", &sync_body("calendar", &key, None, vec![]))
            .await
            .is_none());
    }
}

#[tokio::test]
async fn a_phones_adds_changes_and_deletions_reach_the_console() {
    let server = TestServer::start().await;
    let anna_id = anna(&server, true, false, false).await;
    calendar::set_time_zone(&server.state, anna_id, "Europe/Rome")
        .await
        .unwrap();
    for (n, version) in VERSIONS.into_iter().enumerate() {
        let v16 = version.starts_with("16");
        let mut phone = Phone::new(&server, "anna", LOGIN, &format!("ADD{n}")).await;
        phone.version = version;
        let (key, _) = take_all(&phone).await;
        let title = format!("From {version}");
        let start = MONDAY + (n as i64) * DAY;
        let mut data = Element::new("AirSync", "ApplicationData")
            .child(Element::leaf("Calendar", "Subject", title.as_str()))
            .child(Element::leaf("Calendar", "StartTime", compact(start)))
            .child(Element::leaf("Calendar", "EndTime", compact(start + HOUR)))
            .child(Element::leaf("Calendar", "BusyStatus", "2"))
            .child(Element::leaf("Calendar", "Reminder", "30"))
            .child(
                Element::new("Calendar", "Categories")
                    .child(Element::leaf("Calendar", "Category", "Clienti")),
            );
        if v16 {
            data = data.child(Element::leaf(
                "Calendar",
                "ClientUid",
                format!("client-{n}"),
            ));
        }
        let a = phone
            .command(
                "Sync",
                &sync_body("calendar", &key, None, vec![add("c1", data)]),
            )
            .await
            .unwrap();
        let c = collection(&a);
        let reply = c
            .get("AirSync", "Responses")
            .and_then(|r| r.get("AirSync", "Add"))
            .unwrap();
        assert_eq!(text(reply, "AirSync", "Status"), "1", "{version}");
        let server_id = text(reply, "AirSync", "ServerId").to_string();
        let id: i64 = server_id.parse().unwrap();
        if v16 {
            let uid = reply
                .get("AirSync", "ApplicationData")
                .and_then(|d| d.get_text("Calendar", "UID"));
            assert_eq!(
                uid,
                Some(format!("client-{n}").as_str()),
                "{version}: the UID"
            );
        }
        let (event, _) = calendar::get(&server.state, anna_id, id).await.unwrap();
        assert_eq!(event.title, title);
        assert_eq!(event.when.utc_span(), (start, start + HOUR));
        assert_eq!(event.reminder_minutes, Some(30));
        let key = text(c, "AirSync", "SyncKey").to_string();

        // Phone → console → another phone of the same version: the same event.
        let mut other = Phone::new(&server, "anna", LOGIN, &format!("OTHER{n}")).await;
        other.version = version;
        let (_, got) = take_all(&other).await;
        assert_eq!(got.len(), 1, "{version}");
        let (other_id, data) = &got[0];
        assert_eq!(other_id, &server_id);
        for (tag, value) in [
            ("Subject", title.clone()),
            ("StartTime", compact(start)),
            ("EndTime", compact(start + HOUR)),
            ("Reminder", "30".into()),
            ("BusyStatus", "2".into()),
            ("OrganizerEmail", "anna@example.it".into()),
        ] {
            assert_eq!(field(data, tag), Some(value.as_str()), "{version} {tag}");
        }
        if v16 {
            assert_eq!(field(data, "UID"), Some(format!("client-{n}").as_str()));
        }
        let categories = |data: &Element| -> Vec<String> {
            data.get("Calendar", "Categories")
                .map(|c| {
                    c.elements()
                        .filter_map(Element::text_content)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        assert_eq!(categories(data), vec!["Clienti"], "{version}");
        // The console's form has no categories: its edit keeps them.
        let (mut edited, _) = calendar::get(&server.state, anna_id, id).await.unwrap();
        edited.location = "Sala 9".into();
        calendar::update(&server.state, anna_id, id, edited)
            .await
            .unwrap();
        let kept = app::backend::sync::fetch::<app::backend::sync::Events>(
            &server.state,
            anna_id,
            &server_id,
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(kept.categories, vec!["Clienti"]);
        assert_eq!(kept.event.location, "Sala 9");
        // The phone takes the console's edit before changing the event itself.
        let a = phone
            .command("Sync", &sync_body("calendar", &key, None, vec![]))
            .await
            .unwrap();
        let key = text(collection(&a), "AirSync", "SyncKey").to_string();

        let moved = Element::new("AirSync", "ApplicationData")
            .child(Element::leaf("Calendar", "Subject", "Moved"))
            .child(Element::leaf(
                "Calendar",
                "StartTime",
                compact(start + 2 * HOUR),
            ))
            .child(Element::leaf(
                "Calendar",
                "EndTime",
                compact(start + 3 * HOUR),
            ));
        let a = phone
            .command(
                "Sync",
                &sync_body("calendar", &key, None, vec![change(&server_id, moved)]),
            )
            .await
            .unwrap();
        let key = text(collection(&a), "AirSync", "SyncKey").to_string();
        let (event, _) = calendar::get(&server.state, anna_id, id).await.unwrap();
        assert_eq!(event.title, "Moved");
        assert_eq!(event.when.utc_span().0, start + 2 * HOUR);

        phone
            .command(
                "Sync",
                &sync_body("calendar", &key, None, vec![delete(&server_id)]),
            )
            .await
            .unwrap();
        assert!(calendar::get(&server.state, anna_id, id).await.is_err());
    }
}

#[tokio::test]
async fn a_16_phone_deletes_and_moves_one_occurrence_by_its_instance() {
    let server = TestServer::start().await;
    let anna_id = anna(&server, true, false, false).await;
    let ids = console_events(&server, anna_id).await;
    let weekly = ids[2];
    let phone = Phone::new(&server, "anna", LOGIN, "IPHONE16").await;
    let (key, _) = take_all(&phone).await;
    let other = Phone::new(&server, "anna", LOGIN, "TABLET").await;
    let (other_key, _) = take_all(&other).await;

    let fourth = MONDAY + 21 * DAY;
    let gone = Element::new("AirSync", "Delete")
        .child(Element::leaf("AirSync", "ServerId", weekly.to_string()))
        .child(Element::leaf("AirSyncBase", "InstanceId", compact(fourth)));
    // Rome moves to summer time on 29 March: 09:00 is then 07:00 UTC.
    let fifth = MONDAY + 28 * DAY - HOUR;
    let later = Element::new("AirSync", "Change")
        .child(Element::leaf("AirSync", "ServerId", weekly.to_string()))
        .child(Element::leaf("AirSyncBase", "InstanceId", compact(fifth)))
        .child(
            Element::new("AirSync", "ApplicationData")
                .child(Element::leaf(
                    "Calendar",
                    "StartTime",
                    compact(fifth + 4 * HOUR),
                ))
                .child(Element::leaf(
                    "Calendar",
                    "EndTime",
                    compact(fifth + 5 * HOUR),
                )),
        );
    // An instance the series does not have (08:00 UTC after the change to summer time).
    let phantom = Element::new("AirSync", "Delete")
        .child(Element::leaf("AirSync", "ServerId", weekly.to_string()))
        .child(Element::leaf(
            "AirSyncBase",
            "InstanceId",
            compact(MONDAY + 35 * DAY),
        ));
    let a = phone
        .command(
            "Sync",
            &sync_body("calendar", &key, None, vec![gone, later, phantom]),
        )
        .await
        .unwrap();
    let replies = collection(&a).get("AirSync", "Responses").unwrap();
    let refused: Vec<&Element> = replies.elements().collect();
    assert_eq!(refused.len(), 1, "only the phantom is refused");
    assert_ne!(text(refused[0], "AirSync", "Status"), "1");
    let month = calendar::window(&server.state, anna_id, MONDAY, MONDAY + 34 * DAY)
        .await
        .unwrap();
    let weekly_starts: Vec<i64> = month
        .iter()
        .filter(|s| s.event_id == weekly)
        .map(|s| s.occurrence.when.utc_span().0)
        .collect();
    assert_eq!(
        weekly_starts,
        vec![MONDAY, MONDAY + 8 * DAY + 2 * HOUR, fifth + 4 * HOUR,],
        "the 2nd moved (console), the 3rd and 4th deleted, the 5th moved (phone)"
    );
    // The other device gets the series again with its four exceptions.
    let a = other
        .command("Sync", &sync_body("calendar", &other_key, None, vec![]))
        .await
        .unwrap();
    let c = collection(&a);
    let (_, changed, _) = commands(c);
    assert_eq!(changed, vec![weekly.to_string()]);
    let data = c
        .get("AirSync", "Commands")
        .and_then(|l| l.elements().next())
        .and_then(|e| e.get("AirSync", "ApplicationData"))
        .unwrap();
    assert_eq!(
        data.get("Calendar", "Exceptions")
            .unwrap()
            .elements()
            .count(),
        4
    );
}

fn compact(utc: i64) -> String {
    server::eas::items::event::compact(utc)
}

/// A Sync of the calendar with a time filter in its `Options`.
fn filtered(key: &str, filter: &str) -> Element {
    let c = Element::new("AirSync", "Collection")
        .child(Element::leaf("AirSync", "SyncKey", key))
        .child(Element::leaf("AirSync", "CollectionId", "calendar"))
        .child(Element::new("AirSync", "Options").child(Element::leaf(
            "AirSync",
            "FilterType",
            filter,
        )));
    Element::new("AirSync", "Sync").child(Element::new("AirSync", "Collections").child(c))
}

#[tokio::test]
async fn a_time_filter_limits_what_is_sent_and_soft_deletes_what_leaves_it() {
    let server = TestServer::start().await;
    let anna_id = anna(&server, true, false, false).await;
    let s = &server.state;
    let now = s.now();
    let at = |days: i64| When::Timed {
        start: now + days * DAY,
        end: now + days * DAY + HOUR,
        time_zone: "Europe/Rome".into(),
    };
    let make = |title: &str, when: When, rule: Option<&str>| meeting(title, when, rule);
    for (title, when, rule) in [
        ("Last month", at(-30), None),
        ("Three days ago", at(-3), None),
        ("Next week", at(5), None),
        ("Every week since long ago", at(-60), Some("FREQ=WEEKLY")),
        ("Three weeks long ago", at(-60), Some("FREQ=WEEKLY;COUNT=3")),
    ] {
        calendar::create(s, anna_id, make(title, when, rule))
            .await
            .unwrap();
    }
    let phone = Phone::new(&server, "anna", LOGIN, "FILTERED").await;
    // Two weeks back (FilterType 4), named with key 0 as phones do.
    let first = phone.command("Sync", &filtered("0", "4")).await.unwrap();
    let key = text(collection(&first), "AirSync", "SyncKey").to_string();
    let a = phone
        .command("Sync", &sync_body("calendar", &key, None, vec![]))
        .await
        .unwrap();
    let c = collection(&a);
    let subjects: Vec<String> = c
        .get("AirSync", "Commands")
        .unwrap()
        .elements()
        .map(|e| {
            e.get("AirSync", "ApplicationData")
                .and_then(|d| d.get_text("Calendar", "Subject"))
                .unwrap()
                .to_string()
        })
        .collect();
    let mut sorted = subjects.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        vec!["Every week since long ago", "Next week", "Three days ago"]
    );
    let mut key = text(c, "AirSync", "SyncKey").to_string();
    let recent =
        commands(c).0[subjects.iter().position(|t| t == "Three days ago").unwrap()].clone();

    // Twelve days on, "three days ago" ended fifteen days ago: the phone lets it go.
    server.clock.advance(12 * DAY);
    let a = phone
        .command("Sync", &sync_body("calendar", &key, None, vec![]))
        .await
        .unwrap();
    let c = collection(&a);
    let soft: Vec<String> = c
        .get("AirSync", "Commands")
        .unwrap()
        .elements()
        .filter(|e| e.is("AirSync", "SoftDelete"))
        .map(|e| text(e, "AirSync", "ServerId").to_string())
        .collect();
    assert_eq!(soft, vec![recent.clone()]);
    key = text(c, "AirSync", "SyncKey").to_string();
    // Gone from the phone, not from the console.
    let (event, _) = calendar::get(s, anna_id, recent.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(event.title, "Three days ago");
    assert!(phone
        .command("Sync", &sync_body("calendar", &key, None, vec![]))
        .await
        .is_none());
}

fn meeting_response(id: &str, answer: &str) -> Element {
    Element::new("MeetingResponse", "MeetingResponse").child(
        Element::new("MeetingResponse", "Request")
            .child(Element::leaf("MeetingResponse", "UserResponse", answer))
            .child(Element::leaf("MeetingResponse", "CollectionId", "calendar"))
            .child(Element::leaf("MeetingResponse", "RequestId", id)),
    )
}

fn result(a: &Element) -> (&str, Option<&str>) {
    let r = a.get("MeetingResponse", "Result").unwrap();
    (
        text(r, "MeetingResponse", "Status"),
        r.get_text("MeetingResponse", "CalendarId"),
    )
}

#[tokio::test]
async fn meeting_response_sets_the_users_own_answer_and_tells_the_other_devices() {
    let server = TestServer::start().await;
    let anna_id = anna(&server, true, false, false).await;
    let s = &server.state;
    // Imported from a colleague's invitation: Anna is among the attendees.
    let mut invited = meeting("Budget review", rome(MONDAY, MONDAY + HOUR), None);
    invited.attendees.push(Attendee {
        name: "Anna".into(),
        email: "Anna@Example.it".into(),
        response: Response::None,
    });
    let invited = calendar::create(s, anna_id, invited).await.unwrap();
    let own = calendar::create(
        s,
        anna_id,
        meeting("Own", rome(MONDAY, MONDAY + HOUR), None),
    )
    .await
    .unwrap();
    let phone = Phone::new(&server, "anna", LOGIN, "ANSWERING").await;
    let tablet = Phone::new(&server, "anna", LOGIN, "TABLET").await;
    let (tablet_key, _) = take_all(&tablet).await;

    let a = phone
        .command(
            "MeetingResponse",
            &meeting_response(&invited.to_string(), "1"),
        )
        .await
        .unwrap();
    assert_eq!(result(&a), ("1", Some(invited.to_string().as_str())));
    let (event, _) = calendar::get(s, anna_id, invited).await.unwrap();
    let me = event
        .attendees
        .iter()
        .find(|a| a.email.eq_ignore_ascii_case("anna@example.it"))
        .unwrap();
    assert_eq!(me.response, Response::Accepted);
    assert_eq!(
        event.attendees[0].response,
        Response::Tentative,
        "Bruno's stays"
    );
    let a = tablet
        .command("Sync", &sync_body("calendar", &tablet_key, None, vec![]))
        .await
        .unwrap();
    assert_eq!(commands(collection(&a)).1, vec![invited.to_string()]);

    // Declined: no calendar item is named.
    let a = phone
        .command(
            "MeetingResponse",
            &meeting_response(&invited.to_string(), "3"),
        )
        .await
        .unwrap();
    assert_eq!(result(&a), ("1", None));
    // Her own meeting, an unknown item, a nonsense answer: invalid (status 2), nothing changes.
    for (id, answer) in [
        (own.to_string(), "1"),
        ("99999".into(), "1"),
        (invited.to_string(), "7"),
    ] {
        let a = phone
            .command("MeetingResponse", &meeting_response(&id, answer))
            .await
            .unwrap();
        assert_eq!(result(&a).0, "2", "{id} {answer}");
    }
    let (event, _) = calendar::get(s, anna_id, invited).await.unwrap();
    assert_eq!(event.attendees[1].response, Response::Declined);
}
