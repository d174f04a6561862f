//! Re-authentication (SPEC 1.4) as the server enforces it: required by sensitive server
//! functions, good for 5 minutes (injected clock) in one session only, rotating the id, and
//! asking for the emailed code when 2FA is on.

mod common;

use common::TestServer;
use reqwest::StatusCode;
use serde_json::json;

fn new_password(p: &str) -> [(&'static str, &str); 2] {
    [("new_password", p), ("confirm_password", p)]
}

#[tokio::test]
async fn changing_the_password_needs_a_fresh_reauth_that_expires_after_five_minutes() {
    let server = TestServer::start().await;
    server.add_user("anna", "anna-password-1", false).await;
    let mut b = server.signed_in("anna", "anna-password-1").await;

    let r = b
        .call("me/password", &new_password("anna-password-2"))
        .await;
    assert_eq!(
        r.json(),
        json!("ReauthRequired"),
        "a login is not a re-authentication"
    );

    let r = b.reauth("not-my-password", None).await;
    assert_eq!(
        r.json(),
        json!({"Invalid": {"field": "reauth_password", "msg": "PasswordWrong"}})
    );
    assert_eq!(
        b.call("me/password", &new_password("anna-password-2"))
            .await
            .json(),
        json!("ReauthRequired")
    );

    let before = b.cookie.clone();
    let r = b.reauth("anna-password-1", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_ne!(b.cookie, before, "the session id is rotated");

    server.clock.advance(299);
    let r = b
        .call("me/password", &new_password("anna-password-2"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "still fresh at 4:59: {}", r.body);

    server.clock.advance(2);
    let r = b
        .call("me/password", &new_password("anna-password-3"))
        .await;
    assert_eq!(r.json(), json!("ReauthRequired"), "stale after 5:00");
    let mut fresh = server.browser();
    assert_eq!(
        fresh.login("anna", "anna-password-2").await.status,
        StatusCode::OK,
        "the refused change changed nothing"
    );
}

#[tokio::test]
async fn a_reauth_counts_in_its_own_session_only() {
    let server = TestServer::start().await;
    server.add_user("anna", "anna-password-1", false).await;
    let mut here = server.signed_in("anna", "anna-password-1").await;
    let mut there = server.signed_in("anna", "anna-password-1").await;
    assert_eq!(
        here.reauth("anna-password-1", None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        there
            .call("me/email", &[("email", "new@example.it")])
            .await
            .json(),
        json!("ReauthRequired")
    );
    let r = server.change_email(&mut here, "new@example.it").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        here.call("me/profile", &[]).await.json()["email"],
        "new@example.it"
    );
}

#[tokio::test]
async fn with_2fa_the_reauth_asks_for_the_emailed_code_too() {
    let server = TestServer::start().await;
    server.add_user_with_2fa("anna", "anna-password-1").await;
    let mut b = server.browser();
    b.login("anna", "anna-password-1").await;
    let code = server.latest_code("anna@example.it");
    b.call("login/code", &[("code", &code)]).await;
    assert_eq!(b.whoami().await.as_deref(), Some("anna"));

    let r = b.call("reauth/start", &[]).await;
    assert_eq!(
        r.json(),
        json!({"code_to": "a***@example.it", "wait_secs": null, "app": false}),
        "the login code a moment ago does not delay this one"
    );
    let mail = server.mails_to("anna@example.it").pop().unwrap();
    assert!(mail.contains("to confirm it is you"), "{mail}");

    assert_eq!(
        b.reauth("anna-password-1", None).await.json(),
        json!({"Invalid": {"field": "reauth_code", "msg": "Required"}}),
        "the password alone is not enough"
    );
    assert_eq!(
        b.reauth("wrong-password-1", Some("000000")).await.json(),
        json!({"Invalid": {"field": "reauth_password", "msg": "PasswordWrong"}})
    );
    let right = server.latest_code("anna@example.it");
    let wrong = if right == "123456" {
        "654321"
    } else {
        "123456"
    };
    assert_eq!(
        b.reauth("anna-password-1", Some(wrong)).await.json(),
        json!({"Invalid": {"field": "reauth_code", "msg": "CodeWrong"}})
    );
    assert_eq!(
        b.call("two-factor/off", &[]).await.json(),
        json!("ReauthRequired")
    );
    let r = b.reauth("anna-password-1", Some(&right)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = b.call("reauth/start", &[]).await;
    assert!(
        matches!(r.json()["wait_secs"].as_u64(), Some(1..=60)),
        "that code is used and a new one must wait: {}",
        r.body
    );

    let r = b.call("two-factor/off", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(b.call("me/profile", &[]).await.json()["two_factor"], "Off");
    server
        .wait_for_mail("anna@example.it", "Two-factor authentication turned off")
        .await;

    let mut later = server.browser();
    let r = later.login("anna", "anna-password-1").await;
    assert_eq!(
        r.json()["user"]["username"],
        "anna",
        "no code asked any more"
    );
}

#[tokio::test]
async fn reauth_needs_a_signed_in_session() {
    let server = TestServer::start().await;
    server.add_user("anna", "anna-password-1", false).await;
    let mut b = server.browser();
    assert_eq!(
        b.reauth("anna-password-1", None).await.json(),
        json!("Unauthenticated")
    );
}
