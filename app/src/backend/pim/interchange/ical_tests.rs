use super::*;
use crate::domain::date::Date;
use crate::domain::messages::Msg;
use crate::domain::model::calendar::{
    Attendee, BusyStatus, Event, Exception, Occurrence, Response, Sensitivity, When,
};
use chrono::TimeZone;

fn crlf(s: &str) -> String {
    s.lines().map(|l| format!("{l}\r\n")).collect()
}

fn calendar(body: &str) -> String {
    crlf(&format!(
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Test//EN\n{body}\nEND:VCALENDAR"
    ))
}

fn events(body: &str, zone: &str) -> Vec<ImportedEvent> {
    let parsed = parse_calendar(&calendar(body), zone);
    assert_eq!(parsed.skipped, vec![], "{body}");
    parsed.items.into_iter().map(|i| i.value).collect()
}

fn event(body: &str) -> Event {
    let mut all = events(
        &format!("BEGIN:VEVENT\nUID:e1\n{body}\nEND:VEVENT"),
        "Europe/Rome",
    );
    assert_eq!(all.len(), 1);
    all.remove(0).event
}

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
    chrono::Utc
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .map(|t| t.timestamp())
        .unwrap_or_default()
}

fn timed(start: i64, end: i64, zone: &str) -> When {
    When::Timed {
        start,
        end,
        time_zone: zone.into(),
    }
}

#[test]
fn ten_in_rome_in_summer_is_eight_utc() {
    let e = event("SUMMARY:Riunione\nDTSTART;TZID=Europe/Rome:20250715T100000\nDTEND;TZID=Europe/Rome:20250715T113000");
    assert_eq!(
        e.when,
        timed(
            utc(2025, 7, 15, 8, 0),
            utc(2025, 7, 15, 9, 30),
            "Europe/Rome"
        )
    );
}

#[test]
fn zones_windows_names_utc_and_floating_times() {
    let when = |dtstart: &str| event(&format!("SUMMARY:x\n{dtstart}\nDURATION:PT1H")).when;
    let july_10 = |h| utc(2025, 7, 15, h, 0);
    assert_eq!(
        when("DTSTART;TZID=W. Europe Standard Time:20250715T100000"),
        timed(july_10(8), july_10(9), "Europe/Berlin")
    );
    assert_eq!(
        when("DTSTART;TZID=\"Pacific Standard Time\":20250715T100000"),
        timed(july_10(17), july_10(18), "America/Los_Angeles")
    );
    // Unknown zone and floating time: the user's zone (Europe/Rome here).
    assert_eq!(
        when("DTSTART;TZID=Mars/Olympus:20250715T100000"),
        timed(july_10(8), july_10(9), "Europe/Rome")
    );
    assert_eq!(
        when("DTSTART:20250715T100000"),
        timed(july_10(8), july_10(9), "Europe/Rome")
    );
    // UTC: the instant is kept, shown in the user's zone.
    assert_eq!(
        when("DTSTART:20250715T100000Z"),
        timed(july_10(10), july_10(11), "Europe/Rome")
    );
    // A VTIMEZONE of the file names the zone.
    let custom = "BEGIN:VTIMEZONE\nTZID:My Zone\nX-LIC-LOCATION:America/New_York\nEND:VTIMEZONE\n\
BEGIN:VEVENT\nUID:a\nSUMMARY:x\nDTSTART;TZID=My Zone:20250715T100000\nEND:VEVENT";
    assert_eq!(
        events(custom, "UTC")[0].event.when,
        timed(july_10(14), july_10(14), "America/New_York")
    );
}

#[test]
fn all_day_events() {
    let d = |m, day| Date::new(2025, m, day).unwrap();
    let e = event("SUMMARY:Ferie\nDTSTART;VALUE=DATE:20250811\nDTEND;VALUE=DATE:20250816");
    assert_eq!(
        e.when,
        When::AllDay {
            start: d(8, 11),
            end: d(8, 16)
        }
    );
    let e = event("SUMMARY:Festa\nDTSTART;VALUE=DATE:20250815");
    assert_eq!(
        e.when,
        When::AllDay {
            start: d(8, 15),
            end: d(8, 16)
        },
        "one day without DTEND"
    );
    let e = event("SUMMARY:Gita\nDTSTART;VALUE=DATE:20250815\nDURATION:P3D");
    assert_eq!(
        e.when,
        When::AllDay {
            start: d(8, 15),
            end: d(8, 18)
        }
    );
}

#[test]
fn alarm_busy_class_attendees_and_the_rule_as_written() {
    let e = event(
        "SUMMARY:Call\\, weekly\nLOCATION:Sala 1\nDESCRIPTION:a\\nb\n\
DTSTART;TZID=Europe/Rome:20250715T100000\nDURATION:PT30M\n\
RRULE:BYDAY=TU;FREQ=WEEKLY;COUNT=10000000\nCLASS:CONFIDENTIAL\n\
X-MICROSOFT-CDO-BUSYSTATUS:OOF\n\
ATTENDEE;CN=\"Rossi, Mario\";PARTSTAT=ACCEPTED:mailto:mario@example.it\n\
ATTENDEE;PARTSTAT=NEEDS-ACTION:MAILTO:anna@example.it\n\
ATTENDEE;CN=Room:urn:uuid:room-1\n\
ATTENDEE;CN=Bob;PARTSTAT=DECLINED:mailto:bob@example.it\n\
BEGIN:VALARM\nACTION:DISPLAY\nTRIGGER:-PT15M\nEND:VALARM\n\
BEGIN:VALARM\nACTION:DISPLAY\nTRIGGER:-PT1H\nEND:VALARM",
    );
    assert_eq!(e.title, "Call, weekly");
    assert_eq!(e.location, "Sala 1");
    assert_eq!(e.description, "a\nb");
    assert_eq!(e.reminder_minutes, Some(15), "the first alarm");
    assert_eq!(e.busy, BusyStatus::OutOfOffice);
    assert_eq!(e.sensitivity, Sensitivity::Confidential);
    assert_eq!(
        e.rrule.as_deref(),
        Some("BYDAY=TU;FREQ=WEEKLY;COUNT=10000000")
    );
    let attendee = |name: &str, email: &str, response| Attendee {
        name: name.into(),
        email: email.into(),
        response,
    };
    assert_eq!(
        e.attendees,
        vec![
            attendee("Rossi, Mario", "mario@example.it", Response::Accepted),
            attendee("", "anna@example.it", Response::None),
            attendee("Bob", "bob@example.it", Response::Declined),
        ]
    );
    let free = event("SUMMARY:x\nDTSTART:20250715T100000Z\nTRANSP:TRANSPARENT\nX-MICROSOFT-CDO-BUSYSTATUS:BUSY\nCLASS:PRIVATE");
    assert_eq!(
        (free.busy, free.sensitivity),
        (BusyStatus::Free, Sensitivity::Private)
    );
    let plain = event("SUMMARY:x\nDTSTART:20250715T100000Z\nCLASS:PUBLIC");
    assert_eq!(
        (plain.busy, plain.sensitivity, plain.reminder_minutes),
        (BusyStatus::Busy, Sensitivity::Normal, None)
    );
    let end_alarm = event("SUMMARY:x\nDTSTART:20250715T100000Z\nDTEND:20250715T110000Z\nBEGIN:VALARM\nTRIGGER;RELATED=END:-PT90M\nEND:VALARM");
    assert_eq!(end_alarm.reminder_minutes, Some(30));
}

#[test]
fn a_series_with_a_deleted_and_a_changed_occurrence() {
    // The override comes first: it is attached once its series is read.
    let body = "BEGIN:VEVENT\nUID:s1\nRECURRENCE-ID;TZID=Europe/Rome:20250722T100000\n\
SUMMARY:Moved\nDTSTART;TZID=Europe/Rome:20250723T150000\nDTEND;TZID=Europe/Rome:20250723T160000\nEND:VEVENT\n\
BEGIN:VEVENT\nUID:s1\nSUMMARY:Weekly\nDTSTART;TZID=Europe/Rome:20250715T100000\nDTEND;TZID=Europe/Rome:20250715T110000\n\
RRULE:FREQ=WEEKLY;COUNT=5\nEXDATE;TZID=Europe/Rome:20250729T100000\nEND:VEVENT";
    let parsed = parse_calendar(&calendar(body), "UTC");
    assert_eq!(parsed.skipped, vec![]);
    assert_eq!(parsed.items.len(), 1);
    assert_eq!(parsed.items[0].line, 11);
    let got = &parsed.items[0].value;
    assert_eq!(
        got.exceptions,
        vec![
            Exception {
                original_start: utc(2025, 7, 22, 8, 0),
                changes: Some(Occurrence {
                    title: "Moved".into(),
                    location: String::new(),
                    description: String::new(),
                    when: timed(
                        utc(2025, 7, 23, 13, 0),
                        utc(2025, 7, 23, 14, 0),
                        "Europe/Rome"
                    ),
                    reminder_minutes: None,
                    busy: BusyStatus::Busy,
                }),
            },
            Exception {
                original_start: utc(2025, 7, 29, 8, 0),
                changes: None,
            },
        ]
    );
}

#[test]
fn all_day_series_name_occurrences_by_midnight_utc_and_cancelled_overrides_delete() {
    let body = "BEGIN:VEVENT\nUID:b\nSUMMARY:Compleanno\nDTSTART;VALUE=DATE:20250301\nRRULE:FREQ=YEARLY\n\
EXDATE;VALUE=DATE:20260301\nEND:VEVENT\n\
BEGIN:VEVENT\nUID:b\nRECURRENCE-ID;VALUE=DATE:20270301\nSTATUS:CANCELLED\nDTSTART;VALUE=DATE:20270301\nEND:VEVENT";
    let xs = &events(body, "Europe/Rome")[0].exceptions;
    let midnight = |y| Date::new(y, 3, 1).unwrap().midnight_utc();
    let starts: Vec<(i64, bool)> = xs
        .iter()
        .map(|x| (x.original_start, x.changes.is_none()))
        .collect();
    assert_eq!(starts, vec![(midnight(2026), true), (midnight(2027), true)]);
}

#[test]
fn what_cannot_be_imported_is_reported() {
    let body = "BEGIN:VEVENT\nUID:ok1\nSUMMARY:Good\nDTSTART:20250715T100000Z\nEND:VEVENT\n\
BEGIN:VEVENT\nUID:bad\nSUMMARY:Broken\nno colon here\nEND:VEVENT\n\
BEGIN:VTODO\nUID:t\nSUMMARY:Task\nEND:VTODO\n\
BEGIN:VEVENT\nUID:orphan\nRECURRENCE-ID:20250715T100000Z\nSUMMARY:x\nDTSTART:20250716T100000Z\nEND:VEVENT\n\
BEGIN:VEVENT\nUID:e\nSUMMARY:Backwards\nDTSTART:20250715T100000Z\nDTEND:20250715T090000Z\nEND:VEVENT\n\
BEGIN:VEVENT\nUID:n\nDTSTART:20250715T100000Z\nEND:VEVENT\n\
BEGIN:VEVENT\nUID:ok2\nSUMMARY:Also good\nDTSTART;VALUE=DATE:20250715\nEND:VEVENT\n\
BEGIN:VEVENT\nUID:d\nSUMMARY:No day\nDTSTART;VALUE=DATE:20250230\nEND:VEVENT";
    let parsed = parse_calendar(&calendar(body), "Europe/Rome");
    let items: Vec<(usize, Option<&str>)> = parsed
        .items
        .iter()
        .map(|i| (i.line, i.uid.as_deref()))
        .collect();
    assert_eq!(items, vec![(4, Some("ok1")), (34, Some("ok2"))]);
    let invalid = |field, msg| SkipReason::Invalid { field, msg };
    let reasons: Vec<(usize, SkipReason)> =
        parsed.skipped.iter().map(|s| (s.line, s.reason)).collect();
    assert_eq!(
        reasons,
        vec![
            (12, SkipReason::Malformed),
            (14, SkipReason::Unsupported),
            (18, SkipReason::Unsupported),
            (24, invalid("end", Msg::EndBeforeStart)),
            (30, invalid("title", Msg::Required)),
            (39, invalid("start", Msg::DateInvalid)),
        ]
    );
}

#[test]
fn written_calendars_use_the_event_zone_dates_and_recurrence_ids() {
    let series = Event {
        title: "Weekly; sync".into(),
        location: String::new(),
        description: "Agenda:\n1, 2".into(),
        when: timed(
            utc(2025, 7, 15, 8, 0),
            utc(2025, 7, 15, 9, 0),
            "Europe/Rome",
        ),
        reminder_minutes: Some(10),
        busy: BusyStatus::Tentative,
        sensitivity: Sensitivity::Personal,
        rrule: Some("FREQ=WEEKLY;COUNT=5".into()),
        attendees: vec![Attendee {
            name: "Rossi, \"Mario\"".into(),
            email: "mario@example.it".into(),
            response: Response::Tentative,
        }],
    };
    let moved = Occurrence {
        title: "Moved".into(),
        location: "Sala 2".into(),
        description: String::new(),
        when: When::AllDay {
            start: Date::new(2025, 7, 23).unwrap(),
            end: Date::new(2025, 7, 24).unwrap(),
        },
        reminder_minutes: None,
        busy: BusyStatus::Free,
    };
    let exceptions = vec![
        Exception {
            original_start: utc(2025, 7, 22, 8, 0),
            changes: Some(moved),
        },
        Exception {
            original_start: utc(2025, 7, 29, 8, 0),
            changes: None,
        },
    ];
    let text = write_calendar(&[("s1".into(), series.clone(), exceptions.clone())]);
    for expected in [
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n",
        "\r\nPRODID:-//syncgate//EN\r\n",
        "\r\nDTSTART;TZID=Europe/Rome:20250715T100000\r\n",
        "\r\nDTEND;TZID=Europe/Rome:20250715T110000\r\n",
        "\r\nEXDATE;TZID=Europe/Rome:20250729T100000\r\n",
        "\r\nRECURRENCE-ID;TZID=Europe/Rome:20250722T100000\r\n",
        "\r\nDTSTART;VALUE=DATE:20250723\r\n",
        "\r\nSUMMARY:Weekly\\; sync\r\n",
        "\r\nCLASS:X-PERSONAL\r\n",
        "\r\nATTENDEE;CN=\"Rossi, ^'Mario^'\";PARTSTAT=TENTATIVE:mailto:mario@example.it\r\n",
        "\r\nTRIGGER:-PT10M\r\n",
        "END:VCALENDAR\r\n",
    ] {
        assert!(text.contains(expected), "{expected}\n{text}");
    }
    let back = parse_calendar(&text, "UTC");
    assert_eq!(back.skipped, vec![]);
    assert_eq!(back.items[0].uid.as_deref(), Some("s1"));
    assert_eq!(
        back.items[0].value,
        ImportedEvent {
            event: series,
            exceptions
        }
    );
}

#[test]
fn clock_changes_read_and_write_as_the_forms_do() {
    // 02:30 does not happen in Rome on 2025-03-30: an hour on (03:30 CEST, 01:30 UTC).
    let e = event("SUMMARY:x\nDTSTART;TZID=Europe/Rome:20250330T023000");
    assert_eq!(e.when.utc_span().0, utc(2025, 3, 30, 1, 30));
    // 02:30 happens twice on 2025-10-26: the first (CEST, 00:30 UTC)...
    let e = event("SUMMARY:x\nDTSTART;TZID=Europe/Rome:20251026T023000");
    assert_eq!(e.when.utc_span().0, utc(2025, 10, 26, 0, 30));
    // ...so the second (CET, 01:30 UTC) is written in UTC with the zone beside it.
    let second = utc(2025, 10, 26, 1, 30);
    let series = Event {
        title: "Night shift".into(),
        location: String::new(),
        description: String::new(),
        when: timed(second, second + 3_600, "Europe/Rome"),
        reminder_minutes: None,
        busy: BusyStatus::Busy,
        sensitivity: Sensitivity::Normal,
        rrule: Some("FREQ=DAILY".into()),
        attendees: vec![],
    };
    let exceptions = vec![Exception {
        original_start: second + 365 * 86_400 - 3_600,
        changes: None,
    }];
    let text = write_calendar(&[("n".into(), series.clone(), exceptions.clone())]);
    assert!(
        text.contains("\r\nDTSTART:20251026T013000Z\r\nX-SYNCGATE-TZID:Europe/Rome\r\n"),
        "{text}"
    );
    assert!(
        text.contains("\r\nDTEND;TZID=Europe/Rome:20251026T033000\r\n"),
        "{text}"
    );
    let back = parse_calendar(&text, "America/New_York");
    assert_eq!(
        back.items[0].value,
        ImportedEvent {
            event: series,
            exceptions
        }
    );
}
