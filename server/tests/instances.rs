//! Several instances on one PostgreSQL behind a proxy (issue 12): what one instance does, the
//! others know. These run for real in `make test`'s PostgreSQL pass (`tests/with-postgres.sh`);
//! SQLite is one instance by design, so on SQLite they only say that they were skipped.

mod common;

use common::door::{self, LOGIN, SYNC};
use common::TestServer;
use reqwest::StatusCode;
use std::time::{Duration, Instant};

fn on_postgres() -> bool {
    let on = std::env::var("SYNCGATE_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty());
    if !on {
        eprintln!("skipped: several instances need PostgreSQL (make test runs this on it)");
    }
    on
}

#[tokio::test]
async fn a_session_made_on_one_instance_works_on_another() {
    if !on_postgres() {
        return;
    }
    let a = TestServer::start().await;
    let b = a.another_instance().await;
    a.add_user("anna", LOGIN, false).await;
    let on_a = a.signed_in("anna", LOGIN).await;
    let mut on_b = b.browser();
    on_b.cookie = on_a.cookie.clone();
    assert_eq!(on_b.whoami().await.as_deref(), Some("anna"));

    // Signing out on B ends the session on A too.
    on_b.call("logout", &[]).await;
    let mut again_on_a = a.browser();
    again_on_a.cookie = on_a.cookie.clone();
    assert_eq!(again_on_a.whoami().await, None);
}

/// Issue 25 across instances: 2FA turned off through A keeps that session signed in on A and
/// on B, while another session of the user (on B) ends.
#[tokio::test]
async fn turning_2fa_off_on_one_instance_keeps_that_session_on_both_and_ends_the_others() {
    if !on_postgres() {
        return;
    }
    let a = TestServer::start().await;
    let b = a.another_instance().await;
    a.add_user_with_2fa("anna", LOGIN).await;
    let mut elsewhere = b.browser();
    elsewhere.login("anna", LOGIN).await;
    let code = b.latest_code("anna@example.it");
    elsewhere.call("login/code", &[("code", &code)]).await;
    assert_eq!(elsewhere.whoami().await.as_deref(), Some("anna"));

    a.clock.advance(61);
    b.clock.advance(61);
    let mut here = a.browser();
    here.login("anna", LOGIN).await;
    let code = a.latest_code("anna@example.it");
    here.call("login/code", &[("code", &code)]).await;
    here.call("reauth/start", &[]).await;
    let code = a.latest_code("anna@example.it");
    let r = here.reauth(LOGIN, Some(&code)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = here.call("two-factor/off", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let mut here_on_b = b.browser();
    here_on_b.cookie = here.cookie.clone();
    assert_eq!(here_on_b.whoami().await.as_deref(), Some("anna"));
    assert_eq!(here.whoami().await.as_deref(), Some("anna"));
    assert_eq!(elsewhere.whoami().await, None);
}

#[tokio::test]
async fn a_sync_password_changed_on_one_instance_stops_opening_the_others_door_within_a_second() {
    if !on_postgres() {
        return;
    }
    let a = TestServer::start().await;
    let b = a.another_instance().await;
    door::anna(&a, true, true, true).await;
    // B has checked (and cached) the current sync password.
    assert_eq!(door::status(&b, "anna", SYNC).await, StatusCode::OK);
    assert_eq!(door::status(&b, "anna", SYNC).await, StatusCode::OK);

    let mut anna = a.browser();
    anna.login("anna", LOGIN).await;
    let code = a.latest_code("anna@example.it");
    anna.call("login/code", &[("code", &code)]).await;
    anna.call("reauth/start", &[]).await;
    let code = a.latest_code("anna@example.it");
    anna.reauth(LOGIN, Some(&code)).await;
    let r = anna
        .call(
            "activesync/change",
            &[
                ("new_sync_password", "phone-secret-43"),
                ("confirm_sync_password", "phone-secret-43"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let changed = Instant::now();
    let mut refused = None;
    while changed.elapsed() < Duration::from_secs(1) {
        if door::status(&b, "anna", SYNC).await != StatusCode::OK {
            refused = Some(changed.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        refused.is_some(),
        "B still opened with the old sync password 1 s after the change"
    );
    assert_eq!(
        door::status(&b, "anna", "phone-secret-43").await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn mail_queued_on_two_instances_goes_out_once_each() {
    if !on_postgres() {
        return;
    }
    let a = TestServer::start().await;
    let b = a.another_instance().await;
    let mut sending = Vec::new();
    for i in 0..30 {
        let mailer = if i % 2 == 0 {
            a.state.mailer.clone()
        } else {
            b.state.mailer.clone()
        };
        sending.push(tokio::spawn(async move {
            mailer
                .send(app::backend::mail::Email {
                    to: format!("user{i}@example.it"),
                    subject: format!("message {i}"),
                    text: "hello".into(),
                    html: "<p>hello</p>".into(),
                    outbox_hint: None,
                })
                .await
        }));
    }
    for s in sending {
        s.await.unwrap().expect("delivered");
    }
    let mut subjects: Vec<String> = a
        .smtp
        .messages()
        .into_iter()
        .chain(b.smtp.messages())
        .map(|m| {
            m.data
                .lines()
                .find_map(|l| l.strip_prefix("Subject: ").map(str::to_string))
                .unwrap_or_default()
        })
        .collect();
    subjects.sort();
    let mut expected: Vec<String> = (0..30).map(|i| format!("message {i}")).collect();
    expected.sort();
    assert_eq!(subjects, expected, "every message once, none twice");
}

#[tokio::test]
async fn wrong_passwords_spread_over_two_instances_are_counted_together() {
    if !on_postgres() {
        return;
    }
    let a = TestServer::start().await;
    let b = a.another_instance().await;
    door::anna(&a, true, true, true).await;
    // Five distinct wrong passwords, alternating instances: the limit is reached (SPEC 1.6).
    for n in 0..5 {
        let on = if n % 2 == 0 { &a } else { &b };
        assert_eq!(
            door::status(on, "anna", &format!("guess-{n}")).await,
            StatusCode::UNAUTHORIZED
        );
    }
    // Now both answer "try later" without checking, even to the right password.
    for on in [&a, &b] {
        assert_eq!(
            door::status(on, "anna", SYNC).await,
            StatusCode::SERVICE_UNAVAILABLE
        );
    }

    // The console too: wrong login passwords from one address, spread over A and B.
    a.add_user("bruno", "bruno-password-1", false).await;
    for n in 0..5 {
        let on = if n % 2 == 0 { &a } else { &b };
        let r = on.browser().login("bruno", &format!("wrong-{n}")).await;
        assert_ne!(r.status, StatusCode::TOO_MANY_REQUESTS, "{n}: {}", r.body);
    }
    for on in [&a, &b] {
        let r = on.browser().login("bruno", "bruno-password-1").await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    }
}

/// A phone waiting in Ping on one instance is woken by a change made through another (the
/// change travels by PostgreSQL's NOTIFY).
#[tokio::test]
async fn a_change_on_one_instance_wakes_a_ping_waiting_on_another() {
    use common::phone::{collection, sync_body, text, Phone};
    use server::eas::wbxml::{self, Element};
    if !on_postgres() {
        return;
    }
    let a = TestServer::start().await;
    let b = a.another_instance().await;
    let id = door::anna(&a, true, false, false).await;
    let phone = Phone::new(&b, "anna", LOGIN, "PHONE1").await;
    let first = phone
        .command("Sync", &sync_body("contacts", "0", None, vec![]))
        .await
        .unwrap();
    let key = text(collection(&first), "AirSync", "SyncKey").to_string();
    assert!(phone
        .command("Sync", &sync_body("contacts", &key, None, vec![]))
        .await
        .is_none());
    let ping = Element::new("Ping", "Ping")
        .child(Element::leaf("Ping", "HeartbeatInterval", "600"))
        .child(
            Element::new("Ping", "Folders").child(
                Element::new("Ping", "Folder")
                    .child(Element::leaf("Ping", "Id", "contacts"))
                    .child(Element::leaf("Ping", "Class", "Contacts")),
            ),
        );
    let started = Instant::now();
    let (answer, ()) = tokio::time::timeout(Duration::from_secs(30), async {
        tokio::join!(phone.command("Ping", &ping), async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let carla = app::domain::model::contacts::Contact {
                first_name: "Carla".into(),
                ..Default::default()
            };
            app::backend::pim::contacts::create(&a.state, id, carla)
                .await
                .unwrap();
        })
    })
    .await
    .expect("woken by the other instance's change, long before its heartbeat");
    let answer = answer.unwrap();
    assert_eq!(
        answer.get_text("Ping", "Status"),
        Some("2"),
        "{}",
        wbxml::to_xml(&answer)
    );
    eprintln!("woken across instances after {:?}", started.elapsed());
}
