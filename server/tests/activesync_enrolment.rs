//! SPEC 1.3: turning 2FA on while ActiveSync is enabled and no sync password is set also sets
//! one, in the same transaction; the server enforces it whatever the browser sends. And the
//! prompt for a user whose devices wait for a sync password.

mod common;

use app::domain::ids::UserId;
use common::{Browser, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

const PASSWORD: &str = "anna-password-1";
const SYNC: &str = "phone-secret-42";

async fn set_activesync(server: &TestServer, id: UserId, on: bool) {
    let mut admin = server.signed_in_admin().await;
    let r = admin
        .call(
            "users/activesync",
            &[("id", &id.to_string()), ("enabled", &on.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

async fn anna(server: &TestServer, activesync: bool) -> (UserId, Browser) {
    let id = server.add_user("anna", PASSWORD, false).await;
    if activesync {
        set_activesync(server, id, true).await;
    }
    let mut b = server.signed_in("anna", PASSWORD).await;
    b.reauth(PASSWORD, None).await;
    (id, b)
}

async fn profile(b: &mut Browser) -> Value {
    b.call("me/profile", &[]).await.json()
}

/// Turning 2FA on with a new sync password, as the enrolment dialog sends it.
async fn enrol_with(b: &mut Browser, new: &str, confirm: &str) -> common::Reply {
    b.call(
        "two-factor/enrol",
        &[
            ("resend", "false"),
            ("new_sync_password", new),
            ("confirm_sync_password", confirm),
        ],
    )
    .await
}

fn needed() -> Value {
    json!({"Invalid": {"field": "two_factor", "msg": "SyncPasswordNeededForTwoFactor"}})
}

#[tokio::test]
async fn enrolment_without_the_sync_password_is_refused_and_sends_no_code() {
    let server = TestServer::start().await;
    let (_, mut b) = anna(&server, true).await;
    let r = b.call("two-factor/enrol", &[("resend", "false")]).await;
    assert_eq!(r.json(), needed());
    let r = b.call("two-factor/enrol", &[("resend", "true")]).await;
    assert_eq!(r.json(), needed(), "asking for a new code changes nothing");
    assert!(
        server.mails_to("anna@example.it").is_empty(),
        "no code sent"
    );
    let p = profile(&mut b).await;
    assert_eq!(p["two_factor"], "Off");
    assert_eq!(p["sync_password_set_at"], json!(null));
}

#[tokio::test]
async fn a_bad_sync_password_is_refused_beside_its_field_before_any_code() {
    let server = TestServer::start().await;
    let (_, mut b) = anna(&server, true).await;
    for ((new, confirm), (field, msg)) in [
        (
            ("short", "short"),
            ("new_sync_password", "SyncPasswordShort"),
        ),
        (
            (SYNC, "phone-secret-43"),
            ("confirm_sync_password", "PasswordMismatch"),
        ),
        (
            (PASSWORD, PASSWORD),
            ("new_sync_password", "SyncPasswordSameAsLogin"),
        ),
    ] {
        let r = enrol_with(&mut b, new, confirm).await;
        assert_eq!(
            r.json(),
            json!({"Invalid": {"field": field, "msg": msg}}),
            "{new}"
        );
    }
    assert!(server.mails_to("anna@example.it").is_empty());
    // And the confirmation has nothing to commit.
    assert_eq!(
        b.call("two-factor/confirm", &[("code", "123456")])
            .await
            .json(),
        needed()
    );
}

#[tokio::test]
async fn the_code_turns_on_2fa_and_the_sync_password_together() {
    let server = TestServer::start().await;
    let (id, mut b) = anna(&server, true).await;
    assert_eq!(profile(&mut b).await["device_credential"], "LoginPassword");
    let r = enrol_with(&mut b, SYNC, SYNC).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Nothing is stored before the code: 2FA off, no sync password.
    let p = profile(&mut b).await;
    assert_eq!(
        (p["two_factor"].clone(), p["sync_password_set_at"].clone()),
        (json!("Off"), json!(null))
    );

    // "Send a new code" keeps the password chosen.
    server.clock.advance(61);
    let r = b.call("two-factor/enrol", &[("resend", "true")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let code = server.latest_code("anna@example.it");
    let r = b.call("two-factor/confirm", &[("code", &code)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let p = profile(&mut b).await;
    assert_eq!(p["two_factor"], "Email");
    assert_eq!(p["device_credential"], "SyncPassword");
    assert_eq!(p["sync_password_set_at"], 1_700_000_061);
    assert_eq!(
        b.call("activesync/view", &[]).await.json(),
        json!({"current": SYNC})
    );
    let mut admin = server.signed_in_admin().await;
    let events = admin
        .call("users/audit", &[("id", &id.to_string())])
        .await
        .json();
    let actions: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        &actions[..3],
        ["TwoFactorOn", "SyncPasswordChanged", "ActiveSyncEnabled"]
    );
    server
        .wait_for_mail("anna@example.it", "Your ActiveSync password changed")
        .await;
}

#[tokio::test]
async fn a_direct_confirmation_cannot_skip_the_sync_password() {
    // The enrolment starts while ActiveSync is off (no password needed); an admin enables it
    // before the code comes back: the confirmation is refused and leaves the code usable.
    let server = TestServer::start().await;
    let (id, mut b) = anna(&server, false).await;
    let r = b.call("two-factor/enrol", &[("resend", "false")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let code = server.latest_code("anna@example.it");
    set_activesync(&server, id, true).await;

    assert_eq!(
        b.call("two-factor/confirm", &[("code", &code)])
            .await
            .json(),
        needed()
    );
    assert_eq!(profile(&mut b).await["two_factor"], "Off");

    let r = enrol_with(&mut b, SYNC, SYNC).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "the code already sent is still live: {}",
        r.body
    );
    let r = b.call("two-factor/confirm", &[("code", &code)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let p = profile(&mut b).await;
    assert_eq!(p["two_factor"], "Email");
    assert_eq!(p["device_credential"], "SyncPassword");
}

#[tokio::test]
async fn forced_enrolment_at_login_asks_for_the_sync_password_too() {
    let server = TestServer::start().await;
    let id = server.add_user("anna", PASSWORD, false).await;
    set_activesync(&server, id, true).await;
    let mut admin = server.signed_in_admin().await;
    admin
        .call(
            "users/require-two-factor",
            &[("id", &id.to_string()), ("required", "true")],
        )
        .await;
    let mut b = server.browser();
    b.login("anna", PASSWORD).await;
    assert_eq!(
        b.call("whoami", &[]).await.json()["user"]["must_enrol"],
        true
    );
    assert_eq!(
        b.call("two-factor/enrol", &[("resend", "false")])
            .await
            .json(),
        needed()
    );
    // "Generate" is open to a user who must enrol: they need it right here.
    let generated = b.call("activesync/generate", &[]).await.json();
    let generated = generated.as_str().expect("a password").to_string();
    let r = enrol_with(&mut b, &generated, &generated).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let code = server.latest_code("anna@example.it");
    let r = b.call("two-factor/confirm", &[("code", &code)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["session"]["user"]["must_enrol"], false);
    assert_eq!(profile(&mut b).await["device_credential"], "SyncPassword");
}

#[tokio::test]
async fn enabling_activesync_after_2fa_prompts_the_user_until_they_set_one() {
    let server = TestServer::start().await;
    let id = server.add_user_with_2fa("anna", PASSWORD).await;
    let mut b = server.browser();
    b.login("anna", PASSWORD).await;
    let code = server.latest_code("anna@example.it");
    b.call("login/code", &[("code", &code)]).await;
    assert_eq!(
        b.call("whoami", &[]).await.json()["user"]["sync_password_needed"],
        false
    );

    set_activesync(&server, id, true).await;
    assert_eq!(
        b.call("whoami", &[]).await.json()["user"]["sync_password_needed"],
        true
    );
    let p = profile(&mut b).await;
    assert_eq!(
        p["device_credential"],
        json!({"Refused": "AwaitingSyncPassword"})
    );

    b.call("reauth/start", &[]).await;
    let code = server.latest_code("anna@example.it");
    b.reauth(PASSWORD, Some(&code)).await;
    let r = b
        .call(
            "activesync/change",
            &[("new_sync_password", SYNC), ("confirm_sync_password", SYNC)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        b.call("whoami", &[]).await.json()["user"]["sync_password_needed"],
        false
    );
}

#[tokio::test]
async fn the_device_setup_help_comes_from_the_public_url() {
    let server = TestServer::start().await;
    let (_, mut b) = anna(&server, true).await;
    assert_eq!(
        profile(&mut b).await["device_endpoint"],
        json!({"host": "crm.example.it", "port": 443, "ssl": true})
    );
}
