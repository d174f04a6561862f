//! Signing in with the emailed code, against the real router and a real SMTP server that
//! receives the mails (the tests read the code from there, as the user would).

mod common;

use common::{Browser, TestServer};
use reqwest::StatusCode;
use serde_json::json;

async fn password_step(b: &mut Browser) -> serde_json::Value {
    let r = b.login("anna", "anna-password-1").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

#[tokio::test]
async fn password_then_emailed_code_signs_in() {
    let server = TestServer::start().await;
    server.add_user_with_2fa("anna", "anna-password-1").await;
    let mut b = server.browser();

    let info = password_step(&mut b).await;
    assert_eq!(
        info["user"],
        json!(null),
        "not signed in after the password alone"
    );
    assert_eq!(info["pending_code_to"], "a***@example.it");
    assert_eq!(b.whoami().await, None);
    assert_eq!(
        b.call("me/profile", &[]).await.json(),
        json!("Unauthenticated")
    );
    let pending_cookie = b.cookie.clone().unwrap();

    let mail = server.smtp.messages().pop().unwrap();
    assert!(
        mail.data.contains("Subject: Your syncgate security code"),
        "{}",
        mail.data
    );
    assert!(mail.data.contains("10 minutes"));

    let code = server.latest_code("anna@example.it");
    let r = b.call("login/code", &[("code", &code)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["user"]["username"], "anna");
    assert_ne!(
        b.cookie.clone().unwrap(),
        pending_cookie,
        "id rotated again at the second step"
    );
    assert_eq!(b.whoami().await.as_deref(), Some("anna"));
}

#[tokio::test]
async fn a_wrong_code_is_refused_and_five_void_the_code() {
    let server = TestServer::start().await;
    server.add_user_with_2fa("anna", "anna-password-1").await;
    let mut b = server.browser();
    password_step(&mut b).await;
    let code = server.latest_code("anna@example.it");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..4 {
        let r = b.call("login/code", &[("code", wrong)]).await;
        assert_eq!(
            r.json(),
            json!({"Invalid": {"field": "code", "msg": "CodeWrong"}})
        );
    }
    let r = b.call("login/code", &[("code", wrong)]).await;
    assert_eq!(
        r.json(),
        json!({"Invalid": {"field": "code", "msg": "CodeVoided"}})
    );
    let r = b.call("login/code", &[("code", &code)]).await;
    assert_eq!(
        r.json(),
        json!({"Invalid": {"field": "code", "msg": "CodeVoided"}})
    );
    assert_eq!(b.whoami().await, None);
}

#[tokio::test]
async fn an_expired_code_is_refused_and_a_used_one_works_once() {
    let server = TestServer::start().await;
    server.add_user_with_2fa("anna", "anna-password-1").await;
    let mut b = server.browser();
    password_step(&mut b).await;
    let code = server.latest_code("anna@example.it");
    server.clock.advance(600);
    let r = b.call("login/code", &[("code", &code)]).await;
    assert_eq!(
        r.json(),
        json!({"Invalid": {"field": "code", "msg": "CodeExpired"}})
    );

    // A fresh password step sends a fresh code, which works once.
    password_step(&mut b).await;
    let code = server.latest_code("anna@example.it");
    assert_eq!(
        b.call("login/code", &[("code", &code)]).await.status,
        StatusCode::OK
    );
    b.call("logout", &[]).await;
    // Less than a minute later: no new mail (the step says when), the used code is gone.
    let info = password_step(&mut b).await;
    assert_eq!(info["code_wait_secs"], 60);
    let r = b.call("login/code", &[("code", &code)]).await;
    assert_eq!(
        r.json(),
        json!({"Invalid": {"field": "code", "msg": "CodeMissing"}})
    );
}

#[tokio::test]
async fn new_codes_at_most_once_a_minute() {
    let server = TestServer::start().await;
    server.add_user_with_2fa("anna", "anna-password-1").await;
    let mut b = server.browser();
    password_step(&mut b).await;
    assert_eq!(server.smtp.messages().len(), 1);
    let r = b.call("login/resend", &[]).await;
    assert_eq!(r.json(), json!({"TooSoon": {"retry_after_secs": 60}}));
    server.clock.advance(60);
    let r = b.call("login/resend", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(server.smtp.messages().len(), 2);
    let code = server.latest_code("anna@example.it");
    assert_eq!(
        b.call("login/code", &[("code", &code)]).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_code_step_needs_the_password_step_first() {
    let server = TestServer::start().await;
    server.add_user_with_2fa("anna", "anna-password-1").await;
    let mut b = server.browser();
    assert_eq!(
        b.call("login/code", &[("code", "123456")]).await.json(),
        json!("Unauthenticated")
    );
    assert_eq!(
        b.call("login/resend", &[]).await.json(),
        json!("Unauthenticated")
    );
    // A wrong password sends nothing.
    b.login("anna", "wrong-password").await;
    assert!(server.smtp.messages().is_empty());
}

#[tokio::test]
async fn the_italian_user_gets_the_mail_in_italian() {
    let server = TestServer::start().await;
    let id = server.add_user_with_2fa("anna", "anna-password-1").await;
    app::backend::store::users::set_language(&server.state.pool, id, Some(app::i18n::Lang::It))
        .await
        .unwrap();
    let mut b = server.browser();
    password_step(&mut b).await;
    let mail = server.smtp.messages().pop().unwrap();
    assert!(mail.data.contains("per accedere"), "{}", mail.data);
}
