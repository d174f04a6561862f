use super::*;
use crate::backend::pim::test_support::state;
use crate::domain::model::event_form::{Ends, Frequency, Repeat};

fn d(y: i32, m: u8, day: u8) -> Date {
    Date::new(y, m, day).unwrap()
}

fn form(title: &str, date: &str, from: &str, to: &str) -> EventForm {
    EventForm {
        title: title.into(),
        location: String::new(),
        description: String::new(),
        all_day: false,
        start_date: date.into(),
        start_time: from.into(),
        end_date: date.into(),
        end_time: to.into(),
        time_zone: "Europe/Rome".into(),
        reminder_minutes: None,
        busy: Default::default(),
        sensitivity: Default::default(),
        repeat: None,
        other_rule: None,
        attendees: vec![],
    }
}

/// A day's entries as (title, time).
type Titles<'a> = Vec<(&'a str, Option<&'a str>)>;

fn titles(day: &Day) -> Titles<'_> {
    day.entries
        .iter()
        .map(|e| (e.title.as_str(), e.time.as_deref()))
        .collect()
}

#[tokio::test]
async fn a_month_is_whole_weeks_in_the_users_zone() {
    let (_d, state, anna, bob) = state().await;
    calendar::set_time_zone(&state, anna, "Europe/Rome")
        .await
        .unwrap();
    // Late evening in Rome on 31 January is still 31 January there (22:30 UTC).
    save(
        &state,
        anna,
        None,
        None,
        form("Cena", "2025-01-31", "23:30", "23:59"),
    )
    .await
    .unwrap();
    let mut weekly = form("Riunione", "2025-01-07", "09:00", "10:00");
    weekly.repeat = Some(Repeat {
        frequency: Frequency::Weekly,
        interval: 1,
        weekdays: vec![1],
        ends: Ends::Count { count: 3 },
    });
    let series = save(&state, anna, None, None, weekly).await.unwrap();
    let mut holiday = form("Ferie", "2025-01-02", "", "");
    holiday.all_day = true;
    holiday.end_date = "2025-01-03".into();
    save(&state, anna, None, None, holiday).await.unwrap();

    let jan = month(&state, anna, Some((2025, 1))).await.unwrap();
    assert_eq!(jan.time_zone, "Europe/Rome");
    // Monday 30 December to Sunday 2 February.
    assert_eq!(jan.days.len(), 35);
    assert_eq!(jan.days[0].date, d(2024, 12, 30));
    assert_eq!(jan.days[34].date, d(2025, 2, 2));
    let on = |date: Date| jan.days.iter().find(|x| x.date == date).unwrap();
    assert_eq!(
        titles(on(d(2025, 1, 31))),
        vec![("Cena", Some("23:30–23:59"))]
    );
    assert_eq!(titles(on(d(2025, 1, 2))), vec![("Ferie", None)]);
    assert_eq!(titles(on(d(2025, 1, 3))), vec![("Ferie", None)]);
    for day in [7, 14, 21] {
        let entries = &on(d(2025, 1, day)).entries;
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].event_id, series);
        assert!(
            entries[0].at.is_some(),
            "an occurrence is named by its start"
        );
    }
    assert!(on(d(2025, 1, 28)).entries.is_empty(), "COUNT=3");
    // Bob's month is empty: nobody sees another's calendar.
    let bobs = month(&state, bob, Some((2025, 1))).await.unwrap();
    assert!(bobs.days.iter().all(|d| d.entries.is_empty()));
}

#[tokio::test]
async fn one_occurrence_moved_and_one_deleted_then_the_agenda() {
    let (_d, state, anna, bob) = state().await;
    calendar::set_time_zone(&state, anna, "Europe/Rome")
        .await
        .unwrap();
    let mut weekly = form("Riunione", "2025-01-07", "09:00", "10:00");
    weekly.repeat = Some(Repeat {
        frequency: Frequency::Weekly,
        interval: 1,
        weekdays: vec![1],
        ends: Ends::Never,
    });
    let id = save(&state, anna, None, None, weekly).await.unwrap();
    let jan = month(&state, anna, Some((2025, 1))).await.unwrap();
    let at = |day: u8| {
        jan.days
            .iter()
            .find(|x| x.date == d(2025, 1, day))
            .unwrap()
            .entries[0]
            .at
            .unwrap()
    };
    let (second, third) = (at(14), at(21));

    let view = event(&state, anna, id, Some(second)).await.unwrap();
    assert_eq!(view.form.start_date, "2025-01-14");
    assert!(view.recurring && !view.changed);
    let mut moved = view.form;
    moved.title = "Riunione (spostata)".into();
    moved.start_date = "2025-01-15".into();
    moved.end_date = "2025-01-15".into();
    moved.start_time = "15:00".into();
    moved.end_time = "16:00".into();
    save(&state, anna, Some(id), Some(second), moved)
        .await
        .unwrap();
    remove(&state, anna, id, Some(third)).await.unwrap();
    // Another user can do neither.
    assert!(matches!(
        remove(&state, bob, id, Some(at(28))).await,
        Err(Error::NotFound)
    ));

    let agenda = agenda(&state, anna, Some(d(2025, 1, 6))).await.unwrap();
    let seen: Vec<(Date, Titles)> = agenda.days.iter().map(|x| (x.date, titles(x))).collect();
    assert_eq!(
        seen,
        vec![
            (d(2025, 1, 7), vec![("Riunione", Some("09:00–10:00"))]),
            (
                d(2025, 1, 15),
                vec![("Riunione (spostata)", Some("15:00–16:00"))]
            ),
            (d(2025, 1, 28), vec![("Riunione", Some("09:00–10:00"))]),
            (d(2025, 2, 4), vec![("Riunione", Some("09:00–10:00"))]),
        ]
    );
    let changed = event(&state, anna, id, Some(second)).await.unwrap();
    assert!(changed.changed);
    assert_eq!(changed.form.title, "Riunione (spostata)");
    assert!(matches!(
        event(&state, anna, id, Some(third)).await,
        Err(Error::NotFound)
    ));
    // The series itself is unchanged.
    let whole = event(&state, anna, id, None).await.unwrap();
    assert_eq!(whole.form.title, "Riunione");
    assert!(whole.form.repeat.is_some());
}

#[tokio::test]
async fn a_new_event_starts_in_the_users_zone_and_bad_zones_are_refused() {
    let (_d, state, anna, _) = state().await;
    assert_eq!(blank(&state, anna, None).await.unwrap().time_zone, "UTC");
    assert!(matches!(
        calendar::set_time_zone(&state, anna, "Mars/Olympus").await,
        Err(Error::Invalid {
            field: "time_zone",
            ..
        })
    ));
    calendar::set_time_zone(&state, anna, "America/New_York")
        .await
        .unwrap();
    let f = blank(&state, anna, Some(d(2025, 3, 4))).await.unwrap();
    assert_eq!(
        (
            f.time_zone.as_str(),
            f.start_date.as_str(),
            f.start_time.as_str()
        ),
        ("America/New_York", "2025-03-04", "09:00")
    );
}
