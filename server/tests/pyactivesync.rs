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

async fn run_client(server: &TestServer, user: &str, password: &str, device: &str) -> Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/eas_client.py");
    let url = format!("{}/Microsoft-Server-ActiveSync", server.base);
    let (user, password, device) = (user.to_string(), password.to_string(), device.to_string());
    let out = tokio::process::Command::new(venv_python())
        .arg(script)
        .args([url, user, password, device])
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
        json!([["Contacts", 9], ["Calendar", 8]]),
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
