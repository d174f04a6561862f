//! The folders, their items and the change log, on the database `store::temporary` gives
//! (SQLite, or PostgreSQL in `make test`'s second pass).

use super::contacts;
use super::events::{self, Range};
use super::folders::{self, FolderKind};
use crate::backend::store::{self, Pool};
use crate::domain::date::Date;
use crate::domain::ids::UserId;
use crate::domain::model::calendar::{
    Attendee, BusyStatus, Event, Exception, Occurrence, Response, Sensitivity, When,
};
use crate::domain::model::contacts::Contact;

async fn pool() -> (tempfile::TempDir, Pool) {
    let dir = tempfile::tempdir().unwrap();
    let db = store::temporary(dir.path()).await;
    (dir, db.pool)
}

async fn user(pool: &Pool, name: &str) -> UserId {
    // The store only keeps the hash; no one signs in here.
    let hash = store::columns::PasswordHash::from_stored("$argon2id$not-used".into());
    store::users::insert(
        pool,
        store::users::Insert {
            username: name,
            email: "",
            first_name: name,
            last_name: "",
            is_admin: false,
            password_hash: &hash,
            must_change_password: false,
            now: 1000,
        },
    )
    .await
    .unwrap()
}

fn person(first: &str, last: &str) -> Contact {
    Contact {
        first_name: first.into(),
        last_name: last.into(),
        emails: vec![format!("{}@example.it", first.to_lowercase())],
        ..Contact::default()
    }
}

async fn add(pool: &Pool, folder: i64, uid: &str, c: &Contact) -> i64 {
    let mut tx = pool.begin().await.unwrap();
    let id = contacts::insert(&mut tx, folder, uid, c, 2000)
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn each_user_gets_one_default_folder_of_each_kind_and_only_their_own() {
    let (_d, pool) = pool().await;
    let anna = user(&pool, "anna").await;
    let bob = user(&pool, "bob").await;
    let a = folders::default_folder(&pool, anna, FolderKind::Contacts, 1)
        .await
        .unwrap();
    let again = folders::default_folder(&pool, anna, FolderKind::Contacts, 2)
        .await
        .unwrap();
    assert_eq!(a, again, "made once, then found");
    let cal = folders::default_folder(&pool, anna, FolderKind::Calendar, 1)
        .await
        .unwrap();
    assert_ne!(a.id, cal.id);
    assert_eq!(
        (a.kind.as_str(), cal.kind.as_str()),
        ("contacts", "calendar")
    );
    assert!(folders::owned(&pool, anna, a.id).await.unwrap().is_some());
    assert!(
        folders::owned(&pool, bob, a.id).await.unwrap().is_none(),
        "bob cannot reach anna's folder by its number"
    );
}

#[tokio::test]
async fn every_add_change_and_delete_takes_the_folders_next_number() {
    let (_d, pool) = pool().await;
    let anna = user(&pool, "anna").await;
    let f = folders::default_folder(&pool, anna, FolderKind::Contacts, 1)
        .await
        .unwrap();
    let c1 = add(&pool, f.id, "u1", &person("Carla", "Rossi")).await;
    let c2 = add(&pool, f.id, "u2", &person("Dario", "Neri")).await;
    let mut tx = pool.begin().await.unwrap();
    assert!(
        contacts::update(&mut tx, f.id, c1, &person("Carla", "Russo"), 3000)
            .await
            .unwrap()
    );
    assert!(contacts::delete(&mut tx, f.id, c2, 3000).await.unwrap());
    assert!(
        !contacts::delete(&mut tx, f.id, c2, 3000).await.unwrap(),
        "already gone"
    );
    tx.commit().await.unwrap();

    let f = folders::owned(&pool, anna, f.id).await.unwrap().unwrap();
    assert_eq!(f.last_seq, 4, "two adds, a change, a delete");
    let all = folders::changes_since(&pool, &f, FolderKind::Contacts, 0, 100)
        .await
        .unwrap()
        .unwrap();
    let seen: Vec<_> = all
        .iter()
        .map(|c| (c.uid.as_str(), c.seq, c.deleted))
        .collect();
    assert_eq!(
        seen,
        vec![("u1", 3, false), ("u2", 4, true)],
        "each item once, at its latest change"
    );
    let since_3 = folders::changes_since(&pool, &f, FolderKind::Contacts, 3, 100)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(since_3.len(), 1);
    assert!(since_3[0].deleted);
    let window = folders::changes_since(&pool, &f, FolderKind::Contacts, 0, 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(window.len(), 1, "a window of one");
    let stored = contacts::get(&pool, f.id, c1).await.unwrap().unwrap();
    assert_eq!(stored.contact().unwrap().last_name, "Russo");
}

#[tokio::test]
async fn a_rolled_back_change_leaves_no_number_and_no_trace() {
    let (_d, pool) = pool().await;
    let anna = user(&pool, "anna").await;
    let f = folders::default_folder(&pool, anna, FolderKind::Contacts, 1)
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    contacts::insert(&mut tx, f.id, "u1", &person("Carla", "Rossi"), 2000)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    let f = folders::owned(&pool, anna, f.id).await.unwrap().unwrap();
    assert_eq!(f.last_seq, 0);
    assert!(
        folders::changes_since(&pool, &f, FolderKind::Contacts, 0, 10)
            .await
            .unwrap()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_uid_is_unique_in_its_folder() {
    let (_d, pool) = pool().await;
    let anna = user(&pool, "anna").await;
    let f = folders::default_folder(&pool, anna, FolderKind::Contacts, 1)
        .await
        .unwrap();
    add(&pool, f.id, "same", &person("Carla", "Rossi")).await;
    let mut tx = pool.begin().await.unwrap();
    let again = contacts::insert(&mut tx, f.id, "same", &person("X", "Y"), 2000)
        .await
        .unwrap();
    assert_eq!(again, None);
    tx.rollback().await.unwrap();
    let found = contacts::by_uid(&pool, f.id, "same")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.contact().unwrap().first_name, "Carla");
}

#[tokio::test]
async fn the_list_is_in_name_order_paged_and_searchable_by_every_word() {
    let (_d, pool) = pool().await;
    let anna = user(&pool, "anna").await;
    let f = folders::default_folder(&pool, anna, FolderKind::Contacts, 1)
        .await
        .unwrap();
    for (i, (first, last)) in [
        ("Zoe", "Alberti"),
        ("Marco", "Rossi"),
        ("Anna", "Rossi"),
        ("Luca", "Bianchi_x"),
    ]
    .iter()
    .enumerate()
    {
        add(&pool, f.id, &format!("u{i}"), &person(first, last)).await;
    }
    let (rows, total) = contacts::page(&pool, f.id, "", 0, 2).await.unwrap();
    assert_eq!(total, 4);
    let names: Vec<_> = rows
        .iter()
        .map(|r| r.contact().unwrap().display_name())
        .collect();
    assert_eq!(names, vec!["Zoe Alberti", "Luca Bianchi_x"]);
    let (rows, total) = contacts::page(&pool, f.id, "ROSSI marco", 0, 10)
        .await
        .unwrap();
    assert_eq!((rows.len(), total), (1, 1));
    let (_, total) = contacts::page(&pool, f.id, "rossi", 0, 10).await.unwrap();
    assert_eq!(total, 2);
    let (_, total) = contacts::page(&pool, f.id, "i_x", 0, 10).await.unwrap();
    assert_eq!(total, 1, "an underscore is itself, not a wildcard");
    let (_, total) = contacts::page(&pool, f.id, "%", 0, 10).await.unwrap();
    assert_eq!(total, 0, "a percent sign is itself");
}

#[tokio::test]
async fn forgotten_deletions_make_older_devices_start_afresh() {
    let (_d, pool) = pool().await;
    let anna = user(&pool, "anna").await;
    let f = folders::default_folder(&pool, anna, FolderKind::Contacts, 1)
        .await
        .unwrap();
    let c = add(&pool, f.id, "u1", &person("Carla", "Rossi")).await;
    let mut tx = pool.begin().await.unwrap();
    contacts::delete(&mut tx, f.id, c, 5000).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        folders::forget_tombstones(&pool, 4000).await.unwrap(),
        0,
        "too recent"
    );
    assert_eq!(folders::forget_tombstones(&pool, 6000).await.unwrap(), 1);
    let f = folders::owned(&pool, anna, f.id).await.unwrap().unwrap();
    assert_eq!(f.forgotten_seq, 2);
    assert_eq!(
        folders::changes_since(&pool, &f, FolderKind::Contacts, 1, 10)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        folders::changes_since(&pool, &f, FolderKind::Contacts, 2, 10)
            .await
            .unwrap(),
        Some(vec![])
    );
}

fn weekly() -> Event {
    Event {
        title: "Riunione".into(),
        location: "Sala 1".into(),
        description: "Ordine del giorno".into(),
        when: When::Timed {
            start: 1_700_000_000,
            end: 1_700_003_600,
            time_zone: "Europe/Rome".into(),
        },
        reminder_minutes: Some(15),
        busy: BusyStatus::OutOfOffice,
        sensitivity: Sensitivity::Private,
        rrule: Some("FREQ=WEEKLY;COUNT=4".into()),
        attendees: vec![
            Attendee {
                name: "Bob".into(),
                email: "bob@example.it".into(),
                response: Response::Accepted,
            },
            Attendee {
                name: String::new(),
                email: "eve@example.it".into(),
                response: Response::None,
            },
        ],
    }
}

#[tokio::test]
async fn an_event_keeps_every_field_its_attendees_and_exceptions() {
    let (_d, pool) = pool().await;
    let anna = user(&pool, "anna").await;
    let f = folders::default_folder(&pool, anna, FolderKind::Calendar, 1)
        .await
        .unwrap();
    let e = weekly();
    let range = Range {
        start: 1_700_000_000,
        end: Some(1_700_000_000 + 3 * 7 * 86_400 + 3600),
    };
    let mut tx = pool.begin().await.unwrap();
    let id = events::insert(&mut tx, f.id, "ev1", &e, "Europe/Rome", range, 2000)
        .await
        .unwrap()
        .unwrap();
    let moved = Exception {
        original_start: 1_700_000_000 + 7 * 86_400,
        changes: Some(Occurrence {
            title: "Riunione (spostata)".into(),
            location: "Sala 2".into(),
            description: String::new(),
            when: When::Timed {
                start: 1_700_610_000,
                end: 1_700_613_600,
                time_zone: "Europe/Rome".into(),
            },
            reminder_minutes: None,
            busy: BusyStatus::Busy,
        }),
    };
    let deleted = Exception {
        original_start: 1_700_000_000 + 14 * 86_400,
        changes: None,
    };
    assert!(events::set_exception(&mut tx, f.id, id, &moved, 2100)
        .await
        .unwrap());
    assert!(events::set_exception(&mut tx, f.id, id, &deleted, 2100)
        .await
        .unwrap());
    tx.commit().await.unwrap();

    let row = events::get(&pool, f.id, id).await.unwrap().unwrap();
    assert_eq!(row.seq, 3, "the exceptions are changes of the event");
    let attendees = events::attendees(&pool, id).await.unwrap();
    assert_eq!(row.event(attendees).unwrap(), e);
    assert_eq!(
        events::exceptions(&pool, id).await.unwrap(),
        vec![moved, deleted]
    );

    let day = Date::new(2025, 3, 1).unwrap();
    let mut all_day = weekly();
    all_day.rrule = None;
    all_day.attendees.clear();
    all_day.when = When::AllDay {
        start: day,
        end: day.next().unwrap(),
    };
    let mut tx = pool.begin().await.unwrap();
    let span = all_day.when.utc_span();
    let id2 = events::insert(
        &mut tx,
        f.id,
        "ev2",
        &all_day,
        "Europe/Rome",
        Range {
            start: span.0,
            end: Some(span.1),
        },
        2000,
    )
    .await
    .unwrap()
    .unwrap();
    tx.commit().await.unwrap();
    let row = events::get(&pool, f.id, id2).await.unwrap().unwrap();
    assert_eq!(
        row.event(vec![]).unwrap(),
        all_day,
        "an all-day event stays dates"
    );
}

#[tokio::test]
async fn what_happens_in_a_window_is_one_query_over_the_series_spans() {
    let (_d, pool) = pool().await;
    let anna = user(&pool, "anna").await;
    let f = folders::default_folder(&pool, anna, FolderKind::Calendar, 1)
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    let e = weekly();
    let finite = events::insert(
        &mut tx,
        f.id,
        "a",
        &e,
        "UTC",
        Range {
            start: 1000,
            end: Some(2000),
        },
        1,
    )
    .await
    .unwrap()
    .unwrap();
    let endless = events::insert(
        &mut tx,
        f.id,
        "b",
        &e,
        "UTC",
        Range {
            start: 1500,
            end: None,
        },
        1,
    )
    .await
    .unwrap()
    .unwrap();
    tx.commit().await.unwrap();
    let ids = |rows: Vec<events::EventRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(
        ids(events::overlapping(&pool, f.id, 0, 1000).await.unwrap()),
        Vec::<i64>::new()
    );
    assert_eq!(
        ids(events::overlapping(&pool, f.id, 1200, 1300).await.unwrap()),
        vec![finite]
    );
    assert_eq!(
        ids(events::overlapping(&pool, f.id, 1900, 2500).await.unwrap()),
        vec![finite, endless]
    );
    assert_eq!(
        ids(events::overlapping(&pool, f.id, 5000, 6000).await.unwrap()),
        vec![endless]
    );
}
