//! The door driven by pyactivesync, a real EAS 16.1 client from PyPI (installed by `make test`
//! into `.tmp/eas-venv`): Provision and FolderSync with the sync password, refused with the
//! login password once 2FA is on, and the device recorded.

mod common;

use app::backend::store::{devices, users};
use common::TestServer;
use serde_json::{json, Value};
use std::path::PathBuf;

fn venv_python() -> PathBuf {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.tmp/eas-venv/bin/python");
    assert!(
        python.exists(),
        "pyactivesync is not installed: run `make tools-test` (or `make test`)"
    );
    python
}

/// Runs one of the client scripts in `tests/` against the server's door; its one JSON line.
async fn python(server: &TestServer, script: &str, args: &[&str]) -> Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(script);
    let url = format!("{}/Microsoft-Server-ActiveSync", server.base);
    let out = tokio::process::Command::new(venv_python())
        .arg(script)
        .arg(url)
        .args(args)
        .output()
        .await
        .expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON line")
}

async fn run_client(server: &TestServer, user: &str, password: &str, device: &str) -> Value {
    python(server, "eas_client.py", &[user, password, device]).await
}

#[tokio::test]
async fn a_real_client_provisions_and_lists_contacts_and_calendar() {
    let server = TestServer::start().await;
    let id = server.add_user_with_2fa("anna", "anna-password-1").await;
    users::set_activesync_enabled(&server.state.pool, id, true, 0)
        .await
        .unwrap();
    let sealed = server.state.secrets.seal(id, "phone-secret-42");
    users::set_sync_password(&server.state.pool, id, Some(&sealed), 0)
        .await
        .unwrap();

    let answer = run_client(&server, "anna", "phone-secret-42", "PYAS01").await;
    assert_eq!(
        answer["folders"],
        json!([
            ["Contacts", 9],
            ["Calendar", 8],
            ["Inbox", 2],
            ["Drafts", 3],
            ["Deleted Items", 4],
            ["Sent Items", 5],
            ["Outbox", 6]
        ]),
        "{answer}"
    );
    assert!(answer["policy_key"].as_str().is_some_and(|k| !k.is_empty()));

    // 2FA is on: the login password no longer opens the door, and says nothing more.
    let refused = run_client(&server, "anna", "anna-password-1", "PYAS02").await;
    assert_eq!(refused, json!({"error": "HTTPError", "status": 401}));

    let device = devices::find(&server.state.pool, id, "PYAS01")
        .await
        .unwrap()
        .expect("the device is recorded");
    assert_eq!(device.device_type, "pyactivesync");
    assert_eq!(device.model, "pyactivesync");
    assert_eq!(device.protocol_version, "16.1");
    assert!(device.policy_acknowledged);
}

/// One step of `eas_phone.py` (pyactivesync as a phone whose sync key is kept in `state`).
async fn phone_step(
    server: &TestServer,
    device: &str,
    state: &std::path::Path,
    step: &[&str],
) -> Value {
    let state = state.to_str().expect("a UTF-8 temporary path");
    let mut args = vec!["anna", "anna-password-1", device, state];
    args.extend_from_slice(step);
    python(server, "eas_phone.py", &args).await
}

async fn anna_with_activesync(server: &TestServer) -> app::domain::ids::UserId {
    let id = server.add_user("anna", "anna-password-1", false).await;
    users::set_activesync_enabled(&server.state.pool, id, true, 0)
        .await
        .unwrap();
    id
}

fn person(first: &str, last: &str) -> app::domain::model::contacts::Contact {
    app::domain::model::contacts::Contact {
        first_name: first.into(),
        last_name: last.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_real_client_syncs_1000_contacts_in_windows_and_the_estimate_agrees() {
    let server = TestServer::start().await;
    let id = anna_with_activesync(&server).await;
    for i in 0..1000 {
        app::backend::pim::contacts::create(&server.state, id, person(&format!("N{i:04}"), "Many"))
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("phone.json");
    let r = phone_step(&server, "PYPHONE1", &state, &["first-sync", "100"]).await;
    assert_eq!(r["estimate"], 1000, "{r}");
    assert_eq!(r["requests"], 10, "ten windows of 100");
    let mut names: Vec<String> = r["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 1000, "the same 1,000, each once");
    let nothing = phone_step(&server, "PYPHONE1", &state, &["sync"]).await;
    assert_eq!(nothing, json!({"added": [], "changed": [], "deleted": []}));
}

#[tokio::test]
async fn a_real_clients_lost_answer_is_recovered_and_a_conflict_ends_with_the_consoles_version() {
    let server = TestServer::start().await;
    let id = anna_with_activesync(&server).await;
    let x = app::backend::pim::contacts::create(&server.state, id, person("Carla", "Rossi"))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("phone.json");
    phone_step(&server, "PYPHONE2", &state, &["first-sync", "100"]).await;

    // The answer to an add is lost; the phone sends it again: one contact, one id.
    let r = phone_step(&server, "PYPHONE2", &state, &["add-lost", "Dario", "Neri"]).await;
    assert_eq!(r["first"], r["second"], "{r}");
    let page = app::backend::pim::contacts::list(&server.state, id, "dario", 0, 10)
        .await
        .unwrap();
    assert_eq!(page.total, 1, "no duplicate");
    let nothing = phone_step(&server, "PYPHONE2", &state, &["sync"]).await;
    assert_eq!(nothing["added"], json!([]), "its own add is not sent back");

    // Edited in the console and on the phone: the console's version wins, on both.
    app::backend::pim::contacts::update(&server.state, id, x, person("Carla", "Console"))
        .await
        .unwrap();
    let r = phone_step(
        &server,
        "PYPHONE2",
        &state,
        &["change", &x.to_string(), "Carla", "Phone"],
    )
    .await;
    assert_eq!(r["status"], "7", "{r}");
    let after = phone_step(&server, "PYPHONE2", &state, &["sync"]).await;
    let changed = after["changed"].as_array().unwrap();
    assert!(
        changed
            .iter()
            .any(|c| c["id"].as_str() == Some(x.to_string().as_str()) && c["LastName"] == "Console"),
        "{after}"
    );
    let stored = app::backend::pim::contacts::get(&server.state, id, x)
        .await
        .unwrap();
    assert_eq!(stored.contact.last_name, "Console");
}

#[tokio::test]
async fn a_real_client_receives_the_consoles_events_and_its_deletions_reach_the_console() {
    use app::backend::pim::calendar;
    use app::domain::model::calendar::{BusyStatus, Event, Sensitivity, When};
    let server = TestServer::start().await;
    let id = anna_with_activesync(&server).await;
    let s = &server.state;
    calendar::set_time_zone(s, id, "Europe/Rome").await.unwrap();
    // Monday 2026-03-02 09:00 in Rome (08:00 UTC), weekly, four times.
    let monday = 1_772_438_400;
    let event = |title: &str, rule: Option<&str>| Event {
        title: title.into(),
        location: "Sala 1".into(),
        description: String::new(),
        when: When::Timed {
            start: monday,
            end: monday + 5400,
            time_zone: "Europe/Rome".into(),
        },
        reminder_minutes: Some(15),
        busy: BusyStatus::Busy,
        sensitivity: Sensitivity::Normal,
        rrule: rule.map(str::to_string),
        attendees: vec![],
    };
    let single = calendar::create(s, id, event("Kick-off", None))
        .await
        .unwrap();
    let series = calendar::create(s, id, event("Stand-up", Some("FREQ=WEEKLY;COUNT=4")))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("phone.json");
    let r = phone_step(&server, "PYCAL", &state, &["cal-first-sync"]).await;
    let events = r["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{r}");
    let kick_off = events
        .iter()
        .find(|e| e["Subject"] == "Kick-off")
        .unwrap_or_else(|| panic!("{r}"));
    assert_eq!(kick_off["StartTime"], "20260302T080000Z");
    assert_eq!(kick_off["EndTime"], "20260302T093000Z");
    assert_eq!(
        kick_off["Location"]["DisplayName"]
            .as_str()
            .or(kick_off["DisplayName"].as_str()),
        Some("Sala 1")
    );
    assert!(
        kick_off["TimeZone"]
            .as_str()
            .is_some_and(|z| z.len() == 232),
        "{kick_off}"
    );

    // The phone deletes the second stand-up, then the kick-off.
    let second = "20260309T080000Z";
    let r = phone_step(
        &server,
        "PYCAL",
        &state,
        &["cal-delete-occurrence", &series.to_string(), second],
    )
    .await;
    assert_eq!(r["status"], "1");
    let starts: Vec<i64> = calendar::window(s, id, monday, monday + 28 * 86_400)
        .await
        .unwrap()
        .iter()
        .filter(|o| o.event_id == series)
        .map(|o| o.occurrence.when.utc_span().0)
        .collect();
    assert_eq!(starts.len(), 3);
    assert!(!starts.contains(&(monday + 7 * 86_400)));
    let r = phone_step(
        &server,
        "PYCAL",
        &state,
        &["cal-delete", &single.to_string()],
    )
    .await;
    assert_eq!(r["status"], "1");
    assert!(calendar::get(s, id, single).await.is_err());
}
