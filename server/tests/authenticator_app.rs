//! Issue 16: the authenticator app (TOTP) and recovery codes, against the real router, a real
//! database and the real SMTP sink. Codes are computed from the secret the page shows, at the
//! test's clock, as the user's app would.

mod common;

use app::backend::clock::Clock;
use app::backend::second_factor::app::code_at;
use app::domain::app_codes::step_at;
use app::domain::ids::UserId;
use common::{Browser, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

const PASSWORD: &str = "anna-password-1";

/// The app's code for the step `offset` steps from now.
fn app_code(server: &TestServer, secret: &str, offset: i64) -> String {
    code_at(secret, step_at(server.clock.now()) + offset)
        .unwrap()
        .to_string()
}

fn invalid(field: &str, msg: &str) -> Value {
    json!({"Invalid": {"field": field, "msg": msg}})
}

/// Anna signs in, re-authenticates and sets up the app; returns the secret (as apps read it)
/// and the recovery codes shown.
async fn enrol_app(server: &TestServer, b: &mut Browser) -> (String, Vec<String>) {
    let r = b
        .call(
            "two-factor/enrol",
            &[("resend", "false"), ("method", "app")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let app = r.json()["App"].clone();
    let secret = app["secret"].as_str().unwrap().replace(' ', "");
    let r = b
        .call(
            "two-factor/confirm",
            &[("code", &app_code(server, &secret, 0)), ("method", "app")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let codes = r.json()["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    (secret, codes)
}

async fn anna_with_app(server: &TestServer) -> (UserId, Browser, String, Vec<String>) {
    let id = server.add_user("anna", PASSWORD, false).await;
    let mut b = server.signed_in("anna", PASSWORD).await;
    b.reauth(PASSWORD, None).await;
    let (secret, codes) = enrol_app(server, &mut b).await;
    (id, b, secret, codes)
}

async fn count(server: &TestServer, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql)
        .fetch_one(&server.state.pool)
        .await
        .unwrap();
    n
}

#[tokio::test]
async fn enrolling_shows_a_qr_code_and_the_key_and_needs_a_code_from_the_app() {
    let server = TestServer::start().await;
    server.add_user("anna", PASSWORD, false).await;
    let mut b = server.signed_in("anna", PASSWORD).await;
    let r = b
        .call(
            "two-factor/enrol",
            &[("resend", "false"), ("method", "app")],
        )
        .await;
    assert_eq!(r.json(), json!("ReauthRequired"));
    b.reauth(PASSWORD, None).await;
    let r = b
        .call(
            "two-factor/enrol",
            &[("resend", "false"), ("method", "app")],
        )
        .await;
    let app = r.json()["App"].clone();
    let grouped = app["secret"].as_str().unwrap();
    let secret = grouped.replace(' ', "");
    assert_eq!(secret.len(), 32, "160 bits in base32");
    assert!(grouped.split(' ').all(|g| g.len() == 4), "{grouped}");
    let uri = app["uri"].as_str().unwrap();
    assert!(
        uri.starts_with(&format!(
            "otpauth://totp/syncgate:anna?secret={secret}&issuer=syncgate"
        )),
        "{uri}"
    );
    assert!(app["qr_image"]
        .as_str()
        .unwrap()
        .starts_with("data:image/svg+xml;base64,"));
    assert!(
        server.mails_to("anna@example.it").is_empty(),
        "nothing mailed for the app"
    );

    // Not on until a code from the app is typed back.
    assert_eq!(b.call("me/profile", &[]).await.json()["two_factor"], "Off");
    let wrong = if app_code(&server, &secret, 0) == "000000" {
        "111111"
    } else {
        "000000"
    };
    let r = b
        .call("two-factor/confirm", &[("code", wrong), ("method", "app")])
        .await;
    assert_eq!(r.json(), invalid("code", "CodeWrong"));
    let r = b
        .call(
            "two-factor/confirm",
            &[("code", &app_code(&server, &secret, 0)), ("method", "app")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["recovery_codes"].as_array().unwrap().len(), 10);
    let profile = b.call("me/profile", &[]).await.json();
    assert_eq!(profile["two_factor"], "App");
    assert_eq!(profile["recovery_codes_left"], 10);
    server
        .wait_for_mail("anna@example.it", "Two-factor authentication")
        .await;

    // Sealed at rest: the stored secret is not the key the user saw.
    let (stored,): (Vec<u8>,) = sqlx::query_as("SELECT secret_ciphertext FROM authenticator_apps")
        .fetch_one(&server.state.pool)
        .await
        .unwrap();
    assert!(!stored.windows(8).any(|w| w == &secret.as_bytes()[..8]));
}

#[tokio::test]
async fn signing_in_asks_for_the_app_code_once_per_step() {
    let server = TestServer::start().await;
    let (_, _, secret, _) = anna_with_app(&server).await;
    // The notice that 2FA is on, then nothing more.
    server
        .wait_for_mail("anna@example.it", "Two-factor authentication")
        .await;
    let mails_before = server.mails_to("anna@example.it").len();
    let mut b = server.browser();
    let r = b.login("anna", PASSWORD).await;
    assert_eq!(r.json()["pending_app_code"], true);
    assert_eq!(r.json()["user"], Value::Null);
    assert_eq!(
        server.mails_to("anna@example.it").len(),
        mails_before,
        "no code mailed"
    );

    // The code that turned the app on (same step) is refused: a step is accepted once.
    let r = b
        .call("login/code", &[("code", &app_code(&server, &secret, 0))])
        .await;
    assert_eq!(r.json(), invalid("code", "AppCodeUsed"));
    server.clock.advance(30);
    let r = b
        .call("login/code", &[("code", &app_code(&server, &secret, 0))])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["user"]["username"], "anna");
}

#[tokio::test]
async fn one_step_of_drift_is_accepted_and_older_steps_never_after_a_newer_one() {
    let server = TestServer::start().await;
    let (_, mut b, secret, _) = anna_with_app(&server).await;
    server.clock.advance(300);
    let behind = app_code(&server, &secret, -1);
    let r = b.reauth(PASSWORD, Some(&behind)).await;
    assert_eq!(r.status, StatusCode::OK, "a step behind: {}", r.body);
    let r = b.reauth(PASSWORD, Some(&behind)).await;
    assert_eq!(r.json(), invalid("reauth_code", "AppCodeUsed"), "replay");
    let ahead = app_code(&server, &secret, 1);
    assert_eq!(
        b.reauth(PASSWORD, Some(&ahead)).await.status,
        StatusCode::OK
    );
    let now = app_code(&server, &secret, 0);
    let r = b.reauth(PASSWORD, Some(&now)).await;
    assert_eq!(
        r.json(),
        invalid("reauth_code", "AppCodeUsed"),
        "older than the last one"
    );
    let two_ahead = app_code(&server, &secret, 2);
    let r = b.reauth(PASSWORD, Some(&two_ahead)).await;
    assert_eq!(
        r.json(),
        invalid("reauth_code", "CodeWrong"),
        "two steps of drift"
    );
}

#[tokio::test]
async fn five_wrong_codes_make_even_the_right_one_wait() {
    let server = TestServer::start().await;
    let (_, _, secret, _) = anna_with_app(&server).await;
    server.clock.advance(60);
    let mut b = server.browser();
    b.login("anna", PASSWORD).await;
    let right = app_code(&server, &secret, 0);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    for _ in 0..5 {
        let r = b.call("login/code", &[("code", wrong)]).await;
        assert_eq!(r.json(), invalid("code", "CodeWrong"));
    }
    let r = b.call("login/code", &[("code", &right)]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    // The wait holds across sign-ins (the count is the account's), then ends.
    let mut later = server.browser();
    later.login("anna", PASSWORD).await;
    let r = later.call("login/code", &[("code", &right)]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    server.clock.advance(15 * 60);
    let mut b = server.browser();
    b.login("anna", PASSWORD).await;
    let r = b
        .call("login/code", &[("code", &app_code(&server, &secret, 0))])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_recovery_code_works_once_in_place_of_a_code_and_is_told() {
    let server = TestServer::start().await;
    let (id, _, _, codes) = anna_with_app(&server).await;
    assert_eq!(codes.len(), 10);
    assert!(
        codes
            .iter()
            .all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'),
        "{codes:?}"
    );
    // Stored only hashed.
    let stored: Vec<(Vec<u8>,)> = sqlx::query_as("SELECT code_hash FROM recovery_codes")
        .fetch_all(&server.state.pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 10);
    for (h,) in &stored {
        assert!(codes
            .iter()
            .all(|c| !h.windows(5).any(|w| w == &c.as_bytes()[..5])));
    }

    let mut b = server.browser();
    b.login("anna", PASSWORD).await;
    let typed = codes[0].to_uppercase().replace('-', " ");
    let r = b
        .call("login/code", &[("code", &typed), ("recovery", "1")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["user"]["username"], "anna");
    server
        .wait_for_mail("anna@example.it", "A recovery code was used")
        .await;
    let audit = count(
        &server,
        &format!("SELECT COUNT(*) FROM audit_events WHERE action = 'recovery_code_used' AND target_id = {id}"),
    )
    .await;
    assert_eq!(audit, 1);
    assert_eq!(
        b.call("me/profile", &[]).await.json()["recovery_codes_left"],
        9
    );

    let mut again = server.browser();
    again.login("anna", PASSWORD).await;
    let r = again
        .call("login/code", &[("code", &codes[0]), ("recovery", "1")])
        .await;
    assert_eq!(r.json(), invalid("code", "RecoveryCodeWrong"), "used once");
    // It also stands in for the code when re-authenticating.
    let r = b
        .call(
            "reauth",
            &[
                ("reauth_password", PASSWORD),
                ("reauth_code", &codes[1]),
                ("reauth_recovery", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn new_codes_void_the_old_set_and_need_a_fresh_proof() {
    let server = TestServer::start().await;
    let (_, mut b, secret, old) = anna_with_app(&server).await;
    server.clock.advance(6 * 60);
    let r = b.call("two-factor/recovery-codes", &[]).await;
    assert_eq!(r.json(), json!("ReauthRequired"));
    b.reauth(PASSWORD, Some(&app_code(&server, &secret, 0)))
        .await;
    let r = b.call("two-factor/recovery-codes", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let new: Vec<String> = serde_json::from_value(r.json()).unwrap();
    assert_eq!(new.len(), 10);
    assert!(new.iter().all(|c| !old.contains(c)));
    server
        .wait_for_mail("anna@example.it", "New recovery codes")
        .await;

    let mut other = server.browser();
    other.login("anna", PASSWORD).await;
    let r = other
        .call("login/code", &[("code", &old[2]), ("recovery", "1")])
        .await;
    assert_eq!(r.json(), invalid("code", "RecoveryCodeWrong"));
    let r = other
        .call("login/code", &[("code", &new[2]), ("recovery", "1")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn switching_email_to_app_and_back_proves_both_methods() {
    let server = TestServer::start().await;
    server.add_user_with_2fa("anna", PASSWORD).await;
    let mut b = server.browser();
    b.login("anna", PASSWORD).await;
    let code = server.latest_code("anna@example.it");
    b.call("login/code", &[("code", &code)]).await;

    // Re-authenticate with the current method (the emailed code)...
    b.call("reauth/start", &[]).await;
    let emailed = server.latest_code("anna@example.it");
    assert_eq!(
        b.reauth(PASSWORD, Some(&emailed)).await.status,
        StatusCode::OK
    );
    // ...then prove the new one.
    let (secret, codes) = enrol_app(&server, &mut b).await;
    assert_eq!(codes.len(), 10, "an email user without codes gets a set");
    assert_eq!(b.call("me/profile", &[]).await.json()["two_factor"], "App");
    server
        .wait_for_mail("anna@example.it", "Your two-factor method has changed")
        .await;

    // And back: the proof of a moment ago was of the old method; the app's code is asked.
    let r = b
        .call(
            "two-factor/enrol",
            &[("resend", "false"), ("method", "email")],
        )
        .await;
    assert_eq!(r.json(), json!("ReauthRequired"));
    server.clock.advance(30);
    assert_eq!(
        b.reauth(PASSWORD, Some(&app_code(&server, &secret, 0)))
            .await
            .status,
        StatusCode::OK
    );
    let r = b
        .call(
            "two-factor/enrol",
            &[("resend", "false"), ("method", "email")],
        )
        .await;
    assert_eq!(r.json(), json!({"Email": "a***@example.it"}));
    let code = server.latest_code("anna@example.it");
    let r = b.call("two-factor/confirm", &[("code", &code)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.json()["recovery_codes"],
        json!([]),
        "the set is kept on a switch"
    );
    assert_eq!(
        b.call("me/profile", &[]).await.json()["two_factor"],
        "Email"
    );
    assert_eq!(
        count(&server, "SELECT COUNT(*) FROM authenticator_apps").await,
        0
    );
    let audit = count(
        &server,
        "SELECT COUNT(*) FROM audit_events WHERE action = 'two_factor_method_changed'",
    )
    .await;
    assert_eq!(audit, 2);
}

#[tokio::test]
async fn turning_off_and_an_admin_reset_clear_the_secret_and_the_codes() {
    let server = TestServer::start().await;
    let (id, mut b, secret, _) = anna_with_app(&server).await;
    server.clock.advance(30);
    b.reauth(PASSWORD, Some(&app_code(&server, &secret, 0)))
        .await;
    let r = b.call("two-factor/off", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        count(&server, "SELECT COUNT(*) FROM authenticator_apps").await,
        0
    );
    assert_eq!(
        count(&server, "SELECT COUNT(*) FROM recovery_codes").await,
        0
    );

    b.reauth(PASSWORD, None).await;
    enrol_app(&server, &mut b).await;
    assert_eq!(
        count(&server, "SELECT COUNT(*) FROM authenticator_apps").await,
        1
    );
    let mut admin = server.signed_in_admin().await;
    admin.reauth(common::ADMIN_PASSWORD, None).await;
    let r = admin
        .call("users/reset-two-factor", &[("id", &id.to_string())])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["two_factor"], "Off");
    assert_eq!(
        count(&server, "SELECT COUNT(*) FROM authenticator_apps").await,
        0
    );
    assert_eq!(
        count(&server, "SELECT COUNT(*) FROM recovery_codes").await,
        0
    );
}

#[tokio::test]
async fn app_only_sends_email_users_to_set_up_the_app() {
    let server = TestServer::start().await;
    server.add_user_with_2fa("anna", PASSWORD).await;
    let mut admin = server.signed_in_admin().await;
    let r = admin
        .call("settings/two-factor-method", &[("app_only", "true")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["app_only"], true);

    let mut b = server.browser();
    b.login("anna", PASSWORD).await;
    let code = server.latest_code("anna@example.it");
    let r = b.call("login/code", &[("code", &code)]).await;
    assert_eq!(r.json()["user"]["must_enrol"], true, "{}", r.body);
    assert_eq!(
        b.call("me/language", &[("language", "it")]).await.json(),
        json!("EnrolmentRequired")
    );
    let (_, _) = enrol_app(&server, &mut b).await;
    assert_eq!(b.whoami().await.as_deref(), Some("anna"));
    assert_eq!(b.call("me/profile", &[]).await.json()["two_factor"], "App");

    // Nobody turns email on meanwhile.
    server.add_user("bruno", PASSWORD, false).await;
    let mut bruno = server.signed_in("bruno", PASSWORD).await;
    bruno.reauth(PASSWORD, None).await;
    let enrol = [("resend", "false"), ("method", "email")];
    let r = bruno.call("two-factor/enrol", &enrol).await;
    assert_eq!(r.json(), invalid("two_factor", "MethodNotAllowed"));
    assert!(server.mails_to("bruno@example.it").is_empty());

    // Allowing email again weakens accounts: the admin's fresh proof first.
    let r = admin
        .call("settings/two-factor-method", &[("app_only", "false")])
        .await;
    assert_eq!(r.json(), json!("ReauthRequired"));
    admin.reauth(common::ADMIN_PASSWORD, None).await;
    let r = admin
        .call("settings/two-factor-method", &[("app_only", "false")])
        .await;
    assert_eq!(r.json()["app_only"], false);
}

#[tokio::test]
async fn app_enrolment_with_activesync_sets_the_sync_password_in_the_same_step() {
    let server = TestServer::start().await;
    let id = server.add_user("anna", PASSWORD, false).await;
    let mut admin = server.signed_in_admin().await;
    admin
        .call(
            "users/activesync",
            &[("id", &id.to_string()), ("enabled", "true")],
        )
        .await;
    let mut b = server.signed_in("anna", PASSWORD).await;
    b.reauth(PASSWORD, None).await;
    let r = b
        .call(
            "two-factor/enrol",
            &[("resend", "false"), ("method", "app")],
        )
        .await;
    assert_eq!(
        r.json(),
        invalid("two_factor", "SyncPasswordNeededForTwoFactor")
    );
    let r = b
        .call(
            "two-factor/enrol",
            &[
                ("resend", "false"),
                ("method", "app"),
                ("new_sync_password", "phone-secret-42"),
                ("confirm_sync_password", "phone-secret-42"),
            ],
        )
        .await;
    let secret = r.json()["App"]["secret"].as_str().unwrap().replace(' ', "");
    assert!(b.call("me/profile", &[]).await.json()["sync_password_set_at"].is_null());
    let r = b
        .call(
            "two-factor/confirm",
            &[("code", &app_code(&server, &secret, 0)), ("method", "app")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let profile = b.call("me/profile", &[]).await.json();
    assert_eq!(profile["two_factor"], "App");
    assert!(!profile["sync_password_set_at"].is_null());
    assert_eq!(profile["device_credential"], "SyncPassword");
}
