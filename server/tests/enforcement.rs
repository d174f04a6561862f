//! Turning 2FA on and off, and admins requiring it (SPEC 1.3): enrolment by emailed code,
//! forced enrolment at login, "require for all" without locking the admin out, reset, and
//! the audit trail. Real router, real SMTP listener, injected clock.

mod common;

use common::{Browser, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Enrols the signed-in browser in 2FA by email (its session must be freshly re-authed);
/// returns the session it is in now.
async fn enrol(server: &TestServer, b: &mut Browser, email: &str) -> Value {
    let r = b.call("two-factor/enrol", &[("resend", "false")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let code = server.latest_code(email);
    let r = b.call("two-factor/confirm", &[("code", &code)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.json()["recovery_codes"].as_array().map(Vec::len),
        Some(10)
    );
    r.json()["session"].clone()
}

fn actions(events: &Value) -> Vec<String> {
    events
        .as_array()
        .expect("a list")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn turning_2fa_on_takes_the_emailed_code_and_ends_other_sessions() {
    let server = TestServer::start().await;
    server.add_user("anna", "anna-password-1", false).await;
    let mut b = server.signed_in("anna", "anna-password-1").await;
    let mut elsewhere = server.signed_in("anna", "anna-password-1").await;

    assert_eq!(
        b.call("two-factor/enrol", &[("resend", "false")])
            .await
            .json(),
        json!("ReauthRequired")
    );
    b.reauth("anna-password-1", None).await;
    let r = b.call("two-factor/enrol", &[("resend", "false")]).await;
    assert_eq!(r.json(), json!({"Email": "a***@example.it"}));
    let mail = server.mails_to("anna@example.it").pop().unwrap();
    assert!(
        mail.contains("to turn on two-factor authentication"),
        "{mail}"
    );

    let code = server.latest_code("anna@example.it");
    let wrong = if code == "111111" { "222222" } else { "111111" };
    assert_eq!(
        b.call("two-factor/confirm", &[("code", wrong)])
            .await
            .json(),
        json!({"Invalid": {"field": "code", "msg": "CodeWrong"}})
    );
    assert_eq!(
        b.call("me/profile", &[]).await.json()["two_factor"],
        "Off",
        "not on before the right code"
    );
    let r = b.call("two-factor/confirm", &[("code", &code)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["session"]["user"]["username"], "anna");
    assert_eq!(
        b.call("me/profile", &[]).await.json()["two_factor"],
        "Email"
    );
    assert_eq!(elsewhere.whoami().await, None, "other sessions end");
    server
        .wait_for_mail("anna@example.it", "Two-factor authentication turned on")
        .await;

    let mut next = server.browser();
    let r = next.login("anna", "anna-password-1").await;
    assert_eq!(r.json()["pending_code_to"], "a***@example.it");
}

#[tokio::test]
async fn a_user_without_email_is_told_to_add_one_and_the_address_is_then_fixed() {
    let server = TestServer::start().await;
    let mut b = server.signed_in_admin().await;
    b.reauth(common::ADMIN_PASSWORD, None).await;
    assert_eq!(
        b.call("two-factor/enrol", &[("resend", "false")])
            .await
            .json(),
        json!({"Invalid": {"field": "two_factor", "msg": "EmailNeeded"}})
    );
    assert_eq!(
        b.call("me/email", &[("email", "not-an-address")])
            .await
            .json(),
        json!({"Invalid": {"field": "email", "msg": "EmailFormat"}})
    );
    let r = server.change_email(&mut b, "boss@example.it").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    enrol(&server, &mut b, "boss@example.it").await;
    assert_eq!(
        b.call("me/email", &[("email", "other@example.it")])
            .await
            .json(),
        json!({"Invalid": {"field": "email", "msg": "EmailFixedByTwoFactor"}})
    );
}

#[tokio::test]
async fn a_required_user_is_sent_to_enrolment_and_can_use_nothing_else() {
    let server = TestServer::start().await;
    let uid = server.add_user("anna", "anna-password-1", false).await;
    let mut admin = server.signed_in_admin().await;
    let r = admin
        .call(
            "users/require-two-factor",
            &[("id", &uid.to_string()), ("required", "true")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["two_factor_required"], true);

    let mut b = server.browser();
    let r = b.login("anna", "anna-password-1").await;
    assert_eq!(r.json()["user"]["must_enrol"], true, "{}", r.body);
    assert_eq!(
        b.call("me/language", &[("language", "it")]).await.json(),
        json!("EnrolmentRequired")
    );
    let page = b.get("/preferences").await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert_eq!(page.location.as_deref(), Some("/two-factor/setup"));
    let page = b.get("/two-factor/setup").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Set up two-factor authentication"));

    // The password step just now counts as the re-authentication enrolment needs.
    let info = enrol(&server, &mut b, "anna@example.it").await;
    assert_eq!(info["user"]["must_enrol"], false);
    let r = b.call("me/language", &[("language", "it")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    b.reauth(
        "anna-password-1",
        Some(&server.latest_code("anna@example.it")),
    )
    .await;
    server.clock.advance(61);
    b.call("reauth/start", &[]).await;
    let code = server.latest_code("anna@example.it");
    let r = b.reauth("anna-password-1", Some(&code)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        b.call("two-factor/off", &[]).await.json(),
        json!({"Invalid": {"field": "two_factor", "msg": "TwoFactorRequired"}}),
        "refused while the admin requires it"
    );
    assert_eq!(
        b.call("me/profile", &[]).await.json()["two_factor"],
        "Email"
    );

    let events = admin
        .call("users/audit", &[("id", &uid.to_string())])
        .await
        .json();
    let acts = actions(&events);
    assert_eq!(
        acts,
        ["TwoFactorOn", "TwoFactorRequired", "UserCreated"],
        "{events}"
    );
    assert_eq!(events[1]["actor"], "admin");
    assert_eq!(events[1]["target"], "anna");
    assert_eq!(events[1]["address"], "127.0.0.1");
    assert_eq!(events[0]["actor"], "anna");
}

#[tokio::test]
async fn requiring_2fa_for_all_takes_the_admin_to_enrolment_without_ending_the_session() {
    let server = TestServer::start().await;
    let mut admin = server.signed_in_admin().await;
    // The admin has an address to receive codes.
    admin.reauth(common::ADMIN_PASSWORD, None).await;
    server.change_email(&mut admin, "boss@example.it").await;
    let r = admin
        .call("settings/require-two-factor", &[("required", "true")])
        .await;
    assert_eq!(r.json()["require_two_factor"], true, "{}", r.body);

    let who = admin.call("whoami", &[]).await.json();
    assert_eq!(who["user"]["username"], "admin", "still signed in");
    assert_eq!(who["user"]["must_enrol"], true);
    assert_eq!(
        admin.call("users/list", &[]).await.json(),
        json!("EnrolmentRequired")
    );
    let page = admin.get("/admin/settings").await;
    assert_eq!(page.location.as_deref(), Some("/two-factor/setup"));

    enrol(&server, &mut admin, "boss@example.it").await;
    assert_eq!(admin.call("users/list", &[]).await.status, StatusCode::OK);
    let events = admin.call("settings/audit", &[]).await.json();
    assert_eq!(actions(&events), ["OrgTwoFactorRequired"]);

    // Everyone else now enrols at login too.
    server.add_user("anna", "anna-password-1", false).await;
    let mut b = server.browser();
    let r = b.login("anna", "anna-password-1").await;
    assert_eq!(r.json()["user"]["must_enrol"], true);
}

#[tokio::test]
async fn an_admin_reset_turns_2fa_off_and_ends_the_users_sessions() {
    let server = TestServer::start().await;
    let uid = server.add_user_with_2fa("anna", "anna-password-1").await;
    let mut anna = server.browser();
    anna.login("anna", "anna-password-1").await;
    let code = server.latest_code("anna@example.it");
    anna.call("login/code", &[("code", &code)]).await;
    assert_eq!(anna.whoami().await.as_deref(), Some("anna"));

    let id = uid.to_string();
    assert_eq!(
        anna.call("users/reset-two-factor", &[("id", &id)])
            .await
            .json(),
        json!("Forbidden"),
        "not for non-admins"
    );

    let mut admin = server.signed_in_admin().await;
    admin.reauth(common::ADMIN_PASSWORD, None).await;
    let r = admin.call("users/reset-two-factor", &[("id", &id)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["two_factor"], "Off");
    assert_eq!(anna.whoami().await, None, "her sessions ended");
    server
        .wait_for_mail("anna@example.it", "reset the two-factor authentication")
        .await;
    assert_eq!(
        admin
            .call("users/reset-two-factor", &[("id", &id)])
            .await
            .json(),
        json!({"Invalid": {"field": "two_factor", "msg": "TwoFactorAlreadyOff"}})
    );
    let admin_id = admin.call("whoami", &[]).await.json()["user"]["id"].to_string();
    assert_eq!(
        admin
            .call("users/reset-two-factor", &[("id", &admin_id)])
            .await
            .json(),
        json!({"Invalid": {"field": "two_factor", "msg": "CannotResetOwnTwoFactor"}})
    );

    let mut again = server.browser();
    let r = again.login("anna", "anna-password-1").await;
    assert_eq!(r.json()["user"]["username"], "anna", "no code any more");
    let events = admin.call("users/audit", &[("id", &id)]).await.json();
    assert_eq!(actions(&events)[0], "TwoFactorReset");
}

#[tokio::test]
async fn admin_2fa_controls_are_refused_to_others_and_change_nothing() {
    let server = TestServer::start().await;
    let uid = server.add_user("anna", "anna-password-1", false).await;
    let mut anna = server.signed_in("anna", "anna-password-1").await;
    let id = uid.to_string();
    for (endpoint, form) in [
        (
            "users/require-two-factor",
            vec![("id", id.as_str()), ("required", "true")],
        ),
        ("settings/require-two-factor", vec![("required", "true")]),
        ("settings/get", vec![]),
        ("settings/audit", vec![]),
        ("users/audit", vec![("id", id.as_str())]),
    ] {
        assert_eq!(
            anna.call(endpoint, &form).await.json(),
            json!("Forbidden"),
            "{endpoint}"
        );
    }
    let r = anna.call("me/language", &[("language", "it")]).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "2FA was not required by any of it"
    );
}

#[tokio::test]
async fn a_code_mail_that_cannot_be_sent_is_reported_and_changes_nothing() {
    let server = TestServer::start_with_dead_mail().await;
    server.add_user("anna", "anna-password-1", false).await;
    let mut b = server.signed_in("anna", "anna-password-1").await;
    b.reauth("anna-password-1", None).await;
    let r = b.call("two-factor/enrol", &[("resend", "false")]).await;
    assert_eq!(r.json(), json!("MailFailed"), "{}", r.body);
    assert_eq!(b.call("me/profile", &[]).await.json()["two_factor"], "Off");

    server.add_user_with_2fa("bruno", "bruno-password-1").await;
    let mut c = server.browser();
    let r = c.login("bruno", "bruno-password-1").await;
    assert_eq!(r.json(), json!("MailFailed"));
    assert_eq!(c.whoami().await, None, "not signed in without the code");
}
