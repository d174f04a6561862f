//! Signing in and out against the real router and a real SQLite file.

mod common;

use common::TestServer;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn right_password_signs_in_and_sets_a_hardened_cookie() {
    let server = TestServer::start().await;
    server.add_user("anna", "anna-password-1", false).await;
    let mut b = server.browser();

    let r = b.client_raw_login("anna", "anna-password-1").await;
    assert_eq!(r.0, StatusCode::OK);
    let cookie = r.1.expect("a session cookie is set");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");

    let r = b.login("Anna", "anna-password-1").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["user"]["username"], "anna");
    assert_eq!(b.whoami().await.as_deref(), Some("anna"));
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let server = TestServer::start().await;
    server.add_user("anna", "anna-password-1", false).await;
    let mut b = server.browser();

    let wrong = b.login("anna", "not-her-password").await;
    let unknown = b.login("nobody", "not-her-password").await;
    assert_eq!(wrong.status, unknown.status);
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(wrong.json(), json!("LoginFailed"));
    assert!(b.cookie.is_none(), "no session for a failed login");
    assert_eq!(b.whoami().await, None);
}

#[tokio::test]
async fn empty_fields_are_field_errors() {
    let server = TestServer::start().await;
    let mut b = server.browser();
    let r = b.login("", "x").await;
    assert_eq!(
        r.json(),
        json!({"Invalid": {"field": "username", "msg": "Required"}})
    );
    let r = b.login("anna", "").await;
    assert_eq!(
        r.json(),
        json!({"Invalid": {"field": "password", "msg": "Required"}})
    );
}

#[tokio::test]
async fn session_id_changes_at_login_and_the_old_one_dies() {
    let server = TestServer::start().await;
    server.add_user("anna", "anna-password-1", false).await;
    server.add_user("bruno", "bruno-password-1", false).await;
    let mut b = server.browser();

    b.login("anna", "anna-password-1").await;
    let first = b.cookie.clone().expect("cookie after first login");
    b.login("bruno", "bruno-password-1").await;
    let second = b.cookie.clone().expect("cookie after second login");
    assert_ne!(first, second, "the session id is rotated at login");
    assert_eq!(b.whoami().await.as_deref(), Some("bruno"));

    // The pre-login id no longer means anything on the server.
    let mut old = server.browser();
    old.cookie = Some(first);
    assert_eq!(old.whoami().await, None);
}

#[tokio::test]
async fn a_planted_session_id_is_not_adopted() {
    let server = TestServer::start().await;
    server.add_user("anna", "anna-password-1", false).await;
    let mut b = server.browser();
    let planted = "attacker-chosen-id".to_string();
    b.cookie = Some(planted.clone());
    b.login("anna", "anna-password-1").await;
    assert_ne!(b.cookie.as_deref(), Some(planted.as_str()));
    let mut attacker = server.browser();
    attacker.cookie = Some(planted);
    assert_eq!(attacker.whoami().await, None);
}

#[tokio::test]
async fn logout_destroys_the_session_on_the_server() {
    let server = TestServer::start().await;
    server.add_user("anna", "anna-password-1", false).await;
    let mut b = server.browser();
    b.login("anna", "anna-password-1").await;
    let stolen = b.cookie.clone().expect("cookie");

    let r = b.call("logout", &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["user"], json!(null));

    // Replaying the cookie after logout gets nothing.
    let mut replay = server.browser();
    replay.cookie = Some(stolen);
    assert_eq!(replay.whoami().await, None);
    let page = replay.get("/preferences").await;
    assert!(page.status.is_redirection(), "{}", page.status);
}

#[tokio::test]
async fn repeated_failures_slow_the_account_down_then_it_recovers() {
    let server = TestServer::start().await;
    server.add_user("anna", "anna-password-1", false).await;
    let mut b = server.browser();

    for n in 0..5 {
        let guess = format!("guess-{n}");
        assert_eq!(b.login("anna", &guess).await.json(), json!("LoginFailed"));
    }
    // Even the right password waits now: the throttle answers before any hashing.
    let r = b.login("anna", "anna-password-1").await;
    assert_eq!(r.json(), json!({"RateLimited": {"retry_after_secs": 30}}));
    assert_eq!(b.whoami().await, None);

    // Another account is not affected.
    server.add_user("bruno", "bruno-password-1", false).await;
    let mut other = server.browser();
    assert_eq!(
        other.login("bruno", "bruno-password-1").await.status,
        StatusCode::OK
    );

    // Wait is temporary: after it, the right password works.
    server.clock.advance(30);
    let r = b.login("anna", "anna-password-1").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(b.whoami().await.as_deref(), Some("anna"));
}

#[tokio::test]
async fn one_address_guessing_many_accounts_is_slowed() {
    let server = TestServer::start().await;
    server.add_user("anna", "anna-password-1", false).await;
    let mut b = server.browser();
    for i in 0..20 {
        let r = b.login(&format!("user{i}"), "guess").await;
        assert_eq!(r.json(), json!("LoginFailed"));
    }
    let r = b.login("anna", "anna-password-1").await;
    assert_eq!(r.json(), json!({"RateLimited": {"retry_after_secs": 30}}));
    server.clock.advance(30);
    assert_eq!(
        b.login("anna", "anna-password-1").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_deactivated_user_cannot_sign_in() {
    let server = TestServer::start().await;
    let id = server.add_user("anna", "anna-password-1", false).await;
    app::backend::store::users::set_active(&server.state.pool, id, false, 0)
        .await
        .unwrap();
    let mut b = server.browser();
    assert_eq!(
        b.login("anna", "anna-password-1").await.json(),
        json!("LoginFailed")
    );
}

impl common::Browser {
    /// Login returning the raw Set-Cookie header, to check its attributes.
    async fn client_raw_login(
        &mut self,
        user: &str,
        password: &str,
    ) -> (StatusCode, Option<String>) {
        let client = reqwest::Client::new();
        let r = client
            .post(format!("{}/api/login", self.base))
            .header("Accept", "application/json")
            .form(&[("username", user), ("password", password)])
            .send()
            .await
            .unwrap();
        let cookie = r
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        (r.status(), cookie)
    }
}
