use super::*;
use app::domain::model::calendar::Occurrence;

const VERSIONS: [&str; 4] = ["14.0", "14.1", "16.0", "16.1"];
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
/// Monday 2026-03-02 08:00 UTC (09:00 in Rome).
const MONDAY: i64 = 1_772_438_400;

fn dialect(version: &str) -> Dialect {
    Dialect {
        v16: Dialect::for_version(version),
        zone: "Europe/Rome".into(),
        organizer_name: "Anna Rossi".into(),
        organizer_email: "anna@example.it".into(),
        untitled: "(No title)".into(),
    }
}

fn all() -> PatchContext<'static> {
    PatchContext {
        supported: None,
        had_picture: false,
    }
}

fn data(fields: Vec<Element>) -> Element {
    fields
        .into_iter()
        .fold(Element::new("AirSync", "ApplicationData"), Element::child)
}

fn item(event: Event, exceptions: Vec<Exception>) -> SyncedEvent {
    SyncedEvent {
        event,
        exceptions,
        uid: "uid-1".into(),
        zone: "Europe/Rome".into(),
        stamp: MONDAY - DAY,
        categories: vec!["Clienti".into(), "Milano".into()],
    }
}

fn timed(start: i64, end: i64, zone: &str) -> When {
    When::Timed {
        start,
        end,
        time_zone: zone.into(),
    }
}

fn event(when: When) -> Event {
    Event {
        title: "Riunione".into(),
        location: "Sala 1".into(),
        description: "Ordine del giorno\nbilancio".into(),
        when,
        reminder_minutes: Some(15),
        busy: BusyStatus::Tentative,
        sensitivity: Sensitivity::Private,
        rrule: None,
        attendees: vec![
            Attendee {
                name: "Bruno".into(),
                email: "bruno@example.it".into(),
                response: Response::Accepted,
            },
            Attendee {
                name: String::new(),
                email: "carla@example.it".into(),
                response: Response::None,
            },
        ],
    }
}

fn date(y: i32, m: u8, d: u8) -> Date {
    Date::new(y, m, d).unwrap()
}

/// The five events the issue names: plain, all-day, weekly with a moved and a deleted
/// occurrence, monthly on the last Friday, in a zone other than the user's.
fn cases() -> Vec<(&'static str, SyncedEvent)> {
    let plain = item(event(timed(MONDAY, MONDAY + HOUR, "Europe/Rome")), vec![]);
    let mut all_day = event(When::AllDay {
        start: date(2026, 3, 10),
        end: date(2026, 3, 12),
    });
    all_day.attendees.clear();
    let mut weekly = event(timed(MONDAY, MONDAY + HOUR, "Europe/Rome"));
    weekly.rrule = Some("FREQ=WEEKLY;BYDAY=MO;COUNT=10".into());
    let moved = Exception {
        original_start: MONDAY + 7 * DAY,
        changes: Some(Occurrence {
            title: "Riunione (spostata)".into(),
            location: "Sala 2".into(),
            description: "Ordine del giorno\nbilancio".into(),
            when: timed(
                MONDAY + 8 * DAY + 2 * HOUR,
                MONDAY + 8 * DAY + 3 * HOUR,
                "Europe/Rome",
            ),
            reminder_minutes: Some(15),
            busy: BusyStatus::Busy,
        }),
    };
    let deleted = Exception {
        original_start: MONDAY + 14 * DAY,
        changes: None,
    };
    let mut last_friday = event(timed(
        // Friday 2026-03-27 14:00 UTC.
        MONDAY + 25 * DAY + 6 * HOUR,
        MONDAY + 25 * DAY + 7 * HOUR,
        "Europe/Rome",
    ));
    last_friday.rrule = Some("FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20261231T235959Z".into());
    let elsewhere = event(timed(
        MONDAY + 5 * HOUR,
        MONDAY + 6 * HOUR,
        "America/New_York",
    ));
    let mut all_day_series = event(When::AllDay {
        start: date(2026, 3, 2),
        end: date(2026, 3, 3),
    });
    all_day_series.rrule = Some("FREQ=WEEKLY;BYDAY=MO;COUNT=4".into());
    let skipped_day = Exception {
        original_start: date(2026, 3, 9).midnight_utc(),
        changes: None,
    };
    vec![
        ("plain", plain),
        ("all-day", item(all_day, vec![])),
        ("weekly", item(weekly, vec![moved, deleted])),
        ("last Friday", item(last_friday, vec![])),
        ("New York", item(elsewhere, vec![])),
        ("all-day series", item(all_day_series, vec![skipped_day])),
    ]
}

fn text<'a>(fields: &'a [Element], page: &str, tag: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|e| e.is(page, tag))
        .and_then(Element::text_content)
}

#[test]
fn every_event_survives_the_trip_to_a_phone_and_back_on_every_version() {
    for version in VERSIONS {
        let d = dialect(version);
        for (name, original) in cases() {
            let sent = data(write(&original, &d));
            // The phone sends it back as a change of the stored event…
            let back = read(&sent, Some(&original), &all(), &d).unwrap();
            assert_eq!(back.event, original.event, "{version} {name}: change");
            assert_eq!(back.exceptions, original.exceptions, "{version} {name}");
            assert_eq!(back.categories, original.categories, "{version} {name}");
            // …and as a new event (what a second phone would make of it).
            let new = read(&sent, None, &all(), &d).unwrap();
            let mut expected = original.event.clone();
            if d.v16 {
                // From 16.0 only the server knows the attendees' responses.
                for a in &mut expected.attendees {
                    a.response = Response::None;
                }
            }
            assert_eq!(new.event, expected, "{version} {name}: add");
            assert_eq!(new.exceptions, original.exceptions, "{version} {name}: add");
        }
    }
}

#[test]
fn all_day_events_float_from_16_and_are_zone_midnights_before() {
    let (_, all_day) = cases().swap_remove(1);
    let old = write(&all_day, &dialect("14.1"));
    // Midnight in Rome (UTC+1 in March) is 23:00 UTC the day before.
    assert_eq!(text(&old, CAL, "StartTime"), Some("20260309T230000Z"));
    assert_eq!(text(&old, CAL, "EndTime"), Some("20260311T230000Z"));
    assert!(text(&old, CAL, "TimeZone").is_some());
    let new = write(&all_day, &dialect("16.1"));
    assert_eq!(text(&new, CAL, "StartTime"), Some("20260310T000000Z"));
    assert_eq!(text(&new, CAL, "EndTime"), Some("20260312T000000Z"));
    assert_eq!(
        text(&new, CAL, "TimeZone"),
        None,
        "no zone for a floating day"
    );
    assert_eq!(text(&new, CAL, "AllDayEvent"), Some("1"));
}

#[test]
fn the_blob_is_the_events_own_zone_and_is_read_back_to_it() {
    let (_, ny) = cases().swap_remove(4);
    let fields = write(&ny, &dialect("14.0"));
    let blob = base64::engine::general_purpose::STANDARD
        .decode(text(&fields, CAL, "TimeZone").unwrap())
        .unwrap();
    assert_eq!(blob.len(), 172);
    let rules = timezone::decode(&blob).unwrap();
    assert_eq!(rules.bias, 300, "New York is five hours behind UTC");
    assert!(rules.daylight.is_some());
    let back = read(&data(fields), None, &all(), &dialect("14.0")).unwrap();
    assert!(
        matches!(back.event.when, When::Timed { ref time_zone, .. } if time_zone == "America/New_York")
    );
}

#[test]
fn location_uid_and_exceptions_are_named_as_each_version_says() {
    let (_, weekly) = cases().swap_remove(2);
    let old = write(&weekly, &dialect("14.1"));
    assert_eq!(text(&old, CAL, "Location"), Some("Sala 1"));
    assert_eq!(text(&old, CAL, "UID"), Some("uid-1"));
    assert_eq!(text(&old, CAL, "OrganizerEmail"), Some("anna@example.it"));
    assert_eq!(text(&old, CAL, "MeetingStatus"), Some("1"));
    let exceptions = old.iter().find(|e| e.is(CAL, "Exceptions")).unwrap();
    let first = exceptions.elements().next().unwrap();
    assert_eq!(
        first.get_text(CAL, "ExceptionStartTime"),
        Some(compact(MONDAY + 7 * DAY).as_str())
    );
    assert!(first.get("AirSyncBase", "InstanceId").is_none());

    let new = write(&weekly, &dialect("16.0"));
    assert_eq!(text(&new, CAL, "Location"), None);
    let place = new
        .iter()
        .find(|e| e.is("AirSyncBase", "Location"))
        .unwrap();
    assert_eq!(place.get_text("AirSyncBase", "DisplayName"), Some("Sala 1"));
    let exceptions = new.iter().find(|e| e.is(CAL, "Exceptions")).unwrap();
    let second = exceptions.elements().nth(1).unwrap();
    assert_eq!(second.get_text(CAL, "Deleted"), Some("1"));
    assert_eq!(
        second.get_text("AirSyncBase", "InstanceId"),
        Some(compact(MONDAY + 14 * DAY).as_str())
    );
    assert!(second.get(CAL, "ExceptionStartTime").is_none());
}

#[test]
fn a_16_phone_names_its_own_uid_and_cannot_set_responses_or_the_servers_uid() {
    let d = dialect("16.1");
    let fields = vec![
        cal("Subject", "Dal telefono"),
        cal("StartTime", compact(MONDAY)),
        cal("EndTime", compact(MONDAY + HOUR)),
        cal("UID", "forged"),
        cal("ClientUid", "phone-made-1"),
        Element::new(CAL, "Attendees").child(
            Element::new(CAL, "Attendee")
                .child(cal("Email", "bruno@example.it"))
                .child(cal("Name", "Bruno"))
                .child(cal("AttendeeStatus", "3"))
                .child(cal("AttendeeType", "1")),
        ),
    ];
    let new = read(&data(fields.clone()), None, &all(), &d).unwrap();
    assert_eq!(new.uid, "phone-made-1");
    assert_eq!(new.event.attendees[0].response, Response::None);
    assert_eq!(new.event.title, "Dal telefono");
    let old = read(&data(fields), None, &all(), &dialect("14.1")).unwrap();
    assert_eq!(old.uid, "forged", "up to 14.1 the phone's UID is its own");
    assert_eq!(old.event.attendees[0].response, Response::Accepted);
}

#[test]
fn working_elsewhere_reaches_old_phones_as_free_and_comes_back_unchanged() {
    let (_, mut plain) = cases().swap_remove(0);
    plain.event.busy = BusyStatus::WorkingElsewhere;
    for version in VERSIONS {
        let d = dialect(version);
        let fields = write(&plain, &d);
        let expected = if d.v16 { "4" } else { "0" };
        assert_eq!(
            text(&fields, CAL, "BusyStatus"),
            Some(expected),
            "{version}"
        );
        let back = read(&data(fields), Some(&plain), &all(), &d).unwrap();
        assert_eq!(back.event.busy, BusyStatus::WorkingElsewhere, "{version}");
    }
}

#[test]
fn a_rule_a_phone_cannot_be_sent_stays_when_the_phone_changes_the_event() {
    let (_, mut plain) = cases().swap_remove(0);
    // The second Tuesday and the last Friday of each month: more than EAS can say.
    plain.event.rrule = Some("FREQ=MONTHLY;BYDAY=2TU,-1FR".into());
    let d = dialect("14.1");
    let mut fields = write(&plain, &d);
    assert!(!fields.iter().any(|e| e.is(CAL, "Recurrence")));
    fields.retain(|e| !e.is(CAL, "Subject"));
    fields.push(cal("Subject", "Nuovo titolo"));
    let back = read(&data(fields), Some(&plain), &all(), &d).unwrap();
    assert_eq!(back.event.title, "Nuovo titolo");
    assert_eq!(back.event.rrule, plain.event.rrule);
    // A rule the phone was sent and now leaves out was removed on the phone.
    let (_, weekly) = cases().swap_remove(2);
    let mut fields = write(&weekly, &d);
    fields.retain(|e| !e.is(CAL, "Recurrence") && !e.is(CAL, "Exceptions"));
    let back = read(&data(fields), Some(&weekly), &all(), &d).unwrap();
    assert_eq!(back.event.rrule, None);
    assert!(back.exceptions.is_empty());
}

#[test]
fn what_a_phone_sends_wrong_is_refused_or_bounded() {
    let d = dialect("16.1");
    // An add without a start cannot make an event.
    assert_eq!(
        read(&data(vec![cal("Subject", "x")]), None, &all(), &d).unwrap_err(),
        Msg::Required
    );
    // A recurrence that makes no sense.
    let nonsense = vec![
        cal("Subject", "x"),
        cal("StartTime", compact(MONDAY)),
        cal("EndTime", compact(MONDAY + HOUR)),
        Element::new(CAL, "Recurrence")
            .child(cal("Type", "9"))
            .child(cal("Interval", "1")),
    ];
    assert_eq!(
        read(&data(nonsense), None, &all(), &d).unwrap_err(),
        Msg::RuleInvalid
    );
    // No subject: the event still syncs, under a title the console can show.
    let untitled = vec![
        cal("StartTime", compact(MONDAY)),
        cal("EndTime", compact(MONDAY + HOUR)),
        cal("Reminder", "99999999"),
    ];
    let e = read(&data(untitled), None, &all(), &d).unwrap().event;
    assert_eq!(e.title, "(No title)");
    assert_eq!(e.reminder_minutes, Some(REMINDER_MAX_MINUTES));
}

#[test]
fn a_16_phone_changes_one_occurrence_by_its_instance() {
    let d = dialect("16.1");
    let (_, weekly) = cases().swap_remove(2);
    let third = MONDAY + 21 * DAY;
    let original = original_start(&compact(third), &weekly, true).unwrap();
    assert_eq!(original, third);
    let change = data(vec![
        cal("Subject", "Solo questa volta"),
        cal("StartTime", compact(third + 2 * HOUR)),
        cal("EndTime", compact(third + 3 * HOUR)),
    ]);
    let occurrence = read_occurrence(&change, &weekly, original, &d).unwrap();
    assert_eq!(occurrence.title, "Solo questa volta");
    assert_eq!(occurrence.location, "Sala 1", "what it left out stays");
    let after = with_exception(
        weekly.clone(),
        Exception {
            original_start: original,
            changes: Some(occurrence),
        },
    );
    assert_eq!(after.exceptions.len(), 3);
    // An all-day series names its occurrences by floating dates.
    let (_, series) = cases().swap_remove(5);
    assert_eq!(
        original_start("20260316T000000Z", &series, true),
        Some(date(2026, 3, 16).midnight_utc())
    );
    assert_eq!(
        original_start("20260315T230000Z", &series, false),
        Some(date(2026, 3, 16).midnight_utc()),
        "14.x: Rome's midnight"
    );
}
