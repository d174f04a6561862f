use super::*;
use crate::domain::model::calendar::{BusyStatus, Sensitivity};
use chrono_tz::{America, Europe, UTC};

fn d(y: i32, m: u8, day: u8) -> Date {
    Date::new(y, m, day).unwrap()
}

fn repeat(frequency: Frequency, interval: u32, weekdays: Vec<u8>, ends: Ends) -> Repeat {
    Repeat {
        frequency,
        interval,
        weekdays,
        ends,
    }
}

/// Tuesday 2025-01-14, the 2nd Tuesday of January.
fn tuesday() -> Date {
    d(2025, 1, 14)
}

#[test]
fn every_repetition_the_form_offers_is_a_rule_and_reads_back() {
    let table = [
        (
            repeat(Frequency::Daily, 1, vec![], Ends::Never),
            "FREQ=DAILY",
        ),
        (
            repeat(Frequency::Daily, 3, vec![], Ends::Count { count: 10 }),
            "FREQ=DAILY;INTERVAL=3;COUNT=10",
        ),
        (
            repeat(Frequency::Weekly, 1, vec![0, 1, 2, 3, 4], Ends::Never),
            "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        ),
        (
            repeat(
                Frequency::Weekly,
                2,
                vec![1],
                Ends::Until {
                    date: d(2025, 6, 30),
                },
            ),
            // The end of 30 June in Rome (UTC+2) is 21:59:59 UTC.
            "FREQ=WEEKLY;BYDAY=TU;INTERVAL=2;UNTIL=20250630T215959Z",
        ),
        (
            repeat(Frequency::MonthlyByDay, 1, vec![], Ends::Never),
            "FREQ=MONTHLY",
        ),
        (
            repeat(
                Frequency::MonthlyByWeekday,
                1,
                vec![],
                Ends::Count { count: 12 },
            ),
            "FREQ=MONTHLY;BYDAY=2TU;COUNT=12",
        ),
        (
            repeat(Frequency::MonthlyByLastWeekday, 6, vec![], Ends::Never),
            "FREQ=MONTHLY;BYDAY=-1TU;INTERVAL=6",
        ),
        (
            repeat(Frequency::Yearly, 1, vec![], Ends::Never),
            "FREQ=YEARLY",
        ),
    ];
    for (r, rule) in table {
        assert_eq!(to_rrule(&r, tuesday(), Europe::Rome).unwrap(), rule);
        assert_eq!(from_rrule(rule, tuesday(), Europe::Rome), Some(r), "{rule}");
    }
}

#[test]
fn a_weekly_rule_without_days_repeats_on_the_first_days_weekday() {
    let r = repeat(Frequency::Weekly, 1, vec![], Ends::Never);
    assert_eq!(
        to_rrule(&r, tuesday(), UTC).unwrap(),
        "FREQ=WEEKLY;BYDAY=TU"
    );
    assert_eq!(
        from_rrule("FREQ=WEEKLY", tuesday(), UTC).unwrap().weekdays,
        vec![1]
    );
}

#[test]
fn until_is_the_last_local_day_west_of_utc_too() {
    // 23:59:59 on 30 June in New York (UTC-4) is 03:59:59 UTC on 1 July.
    let r = repeat(
        Frequency::Daily,
        1,
        vec![],
        Ends::Until {
            date: d(2025, 6, 30),
        },
    );
    let rule = to_rrule(&r, tuesday(), America::New_York).unwrap();
    assert_eq!(rule, "FREQ=DAILY;UNTIL=20250701T035959Z");
    assert_eq!(from_rrule(&rule, tuesday(), America::New_York), Some(r));
    // A date-only UNTIL (iCalendar files write it for all-day series).
    assert_eq!(
        from_rrule("FREQ=DAILY;UNTIL=20250630", tuesday(), UTC)
            .unwrap()
            .ends,
        Ends::Until {
            date: d(2025, 6, 30)
        }
    );
}

#[test]
fn rules_the_form_cannot_show_are_left_to_be_kept_whole() {
    for rule in [
        "FREQ=MONTHLY;BYDAY=1MO,3MO",
        "FREQ=MONTHLY;BYDAY=3WE",
        "FREQ=YEARLY;BYMONTH=3",
        "FREQ=DAILY;COUNT=3;UNTIL=20250101",
        "FREQ=WEEKLY;BYSETPOS=1;BYDAY=MO",
        "FREQ=WEEKLY;WKST=SU;BYDAY=MO",
        "FREQ=HOURLY",
        "nonsense",
    ] {
        assert_eq!(from_rrule(rule, tuesday(), UTC), None, "{rule}");
    }
}

#[test]
fn wrong_repetitions_name_their_field() {
    let bad = [
        (repeat(Frequency::Daily, 0, vec![], Ends::Never), "interval"),
        (
            repeat(Frequency::Daily, 100, vec![], Ends::Never),
            "interval",
        ),
        (
            repeat(Frequency::Daily, 1, vec![], Ends::Count { count: 0 }),
            "count",
        ),
        (
            repeat(
                Frequency::Daily,
                1,
                vec![],
                Ends::Until {
                    date: d(2025, 1, 1),
                },
            ),
            "until",
        ),
    ];
    for (r, field) in bad {
        assert_eq!(to_rrule(&r, tuesday(), UTC).unwrap_err().0, field);
    }
}

fn form() -> EventForm {
    EventForm {
        title: "Riunione".into(),
        location: "Sala 1".into(),
        description: String::new(),
        all_day: false,
        start_date: "2025-07-01".into(),
        start_time: "10:00".into(),
        end_date: "2025-07-01".into(),
        end_time: "11:30".into(),
        time_zone: "Europe/Rome".into(),
        reminder_minutes: Some(15),
        busy: BusyStatus::Busy,
        sensitivity: Sensitivity::Private,
        repeat: Some(repeat(
            Frequency::Weekly,
            1,
            vec![1, 3],
            Ends::Count { count: 8 },
        )),
        other_rule: None,
        attendees: vec![],
    }
}

#[test]
fn a_timed_form_is_utc_instants_in_its_zone_and_reads_back() {
    let e = to_event(form()).unwrap();
    assert_eq!(
        e.when,
        When::Timed {
            start: 1_751_356_800,
            end: 1_751_362_200,
            time_zone: "Europe/Rome".into()
        }
    );
    assert_eq!(e.rrule.as_deref(), Some("FREQ=WEEKLY;BYDAY=TU,TH;COUNT=8"));
    assert_eq!(form_of(&e, "UTC"), form());
}

#[test]
fn an_all_day_form_is_dates_with_the_last_day_included() {
    let mut f = form();
    f.all_day = true;
    f.end_date = "2025-07-03".into();
    f.start_time = String::new();
    f.end_time = String::new();
    f.time_zone = "Europe/Rome".into();
    f.repeat = Some(repeat(Frequency::Yearly, 1, vec![], Ends::Never));
    let e = to_event(f.clone()).unwrap();
    assert_eq!(
        e.when,
        When::AllDay {
            start: d(2025, 7, 1),
            end: d(2025, 7, 4)
        }
    );
    assert_eq!(form_of(&e, "Europe/Rome"), f);
}

#[test]
fn a_rule_from_elsewhere_is_kept_as_it_is() {
    let mut f = form();
    f.repeat = None;
    f.other_rule = Some("FREQ=MONTHLY;BYDAY=1MO,3MO".into());
    let e = to_event(f.clone()).unwrap();
    assert_eq!(e.rrule.as_deref(), Some("FREQ=MONTHLY;BYDAY=1MO,3MO"));
    assert_eq!(form_of(&e, "UTC"), f);
}

#[test]
fn wrong_fields_are_named() {
    type Spoil = fn(&mut EventForm);
    let cases: [(Spoil, &str, Msg); 5] = [
        (
            |f| f.start_date = "2025-02-30".into(),
            "start",
            Msg::DateInvalid,
        ),
        (|f| f.end_date = "tomorrow".into(), "end", Msg::DateInvalid),
        (|f| f.start_time = "25:00".into(), "start", Msg::TimeInvalid),
        (|f| f.end_time = String::new(), "end", Msg::TimeInvalid),
        (
            |f| f.time_zone = "Nowhere/Else".into(),
            "time_zone",
            Msg::TimeZoneUnknown,
        ),
    ];
    for (spoil, field, msg) in cases {
        let mut f = form();
        spoil(&mut f);
        assert_eq!(to_event(f).unwrap_err(), (field, msg));
    }
}

#[test]
fn an_occurrence_has_its_own_times_and_the_series_rest() {
    let e = to_event(form()).unwrap();
    let mut f = occurrence_form(
        &e,
        &Occurrence {
            title: "Riunione (spostata)".into(),
            location: "Sala 2".into(),
            description: String::new(),
            when: When::Timed {
                start: 1_751_356_800 + 86_400,
                end: 1_751_362_200 + 86_400,
                time_zone: "Europe/Rome".into(),
            },
            reminder_minutes: None,
            busy: BusyStatus::Free,
        },
        "UTC",
    );
    assert_eq!(f.start_date, "2025-07-02");
    assert_eq!(
        (f.start_time.as_str(), f.end_time.as_str()),
        ("10:00", "11:30")
    );
    assert_eq!(f.repeat, None);
    assert_eq!(f.sensitivity, Sensitivity::Private, "the series'");
    f.start_time = "15:00".into();
    f.end_time = "16:00".into();
    let o = to_occurrence(f).unwrap();
    assert_eq!(o.title, "Riunione (spostata)");
    assert_eq!(o.when.utc_span().0, 1_751_356_800 + 86_400 + 5 * 3600);
}
