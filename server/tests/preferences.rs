//! The user's own account: password change and language, and what the pages render.

mod common;

use common::TestServer;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_ends_the_others() {
    let server = TestServer::start().await;
    server.add_user("anna", "anna-password-1", false).await;
    let mut here = server.signed_in("anna", "anna-password-1").await;
    let mut elsewhere = server.signed_in("anna", "anna-password-1").await;
    here.reauth("anna-password-1", None).await;

    let r = here
        .call(
            "me/password",
            &[
                ("new_password", "anna-password-2"),
                ("confirm_password", "anna-password-2"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(here.whoami().await.as_deref(), Some("anna"));
    assert_eq!(elsewhere.whoami().await, None);

    let mut fresh = server.browser();
    assert_eq!(
        fresh.login("anna", "anna-password-1").await.json(),
        json!("LoginFailed")
    );
    assert_eq!(
        fresh.login("anna", "anna-password-2").await.status,
        StatusCode::OK
    );
    let notice = server
        .wait_for_mail("anna@example.it", "Your password was changed")
        .await;
    assert!(
        notice.contains("other sessions have been ended"),
        "{notice}"
    );
}

#[tokio::test]
async fn password_change_errors_name_the_field_and_change_nothing() {
    let server = TestServer::start().await;
    server.add_user("anna", "anna-password-1", false).await;
    let mut b = server.signed_in("anna", "anna-password-1").await;
    b.reauth("anna-password-1", None).await;
    let cases = [
        (("short", "short"), ("new_password", "PasswordShort")),
        (
            ("anna-password-2", "anna-password-3"),
            ("confirm_password", "PasswordMismatch"),
        ),
        (
            ("anna-password-1", "anna-password-1"),
            ("new_password", "PasswordUnchanged"),
        ),
        (("anna", "anna"), ("new_password", "PasswordShort")),
    ];
    for ((new, confirm), (field, msg)) in cases {
        let r = b
            .call(
                "me/password",
                &[("new_password", new), ("confirm_password", confirm)],
            )
            .await;
        assert_eq!(
            r.json(),
            json!({"Invalid": {"field": field, "msg": msg}}),
            "{field}"
        );
    }
    let mut fresh = server.browser();
    assert_eq!(
        fresh.login("anna", "anna-password-1").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn language_setting_overrides_the_browser() {
    let server = TestServer::start().await;
    server.add_user("anna", "anna-password-1", false).await;
    let mut b = server.browser();
    b.lang = Some("en-US,en;q=0.9");
    b.login("anna", "anna-password-1").await;

    let page = b.get("/preferences").await;
    assert!(
        page.body.contains("Role and login"),
        "English by the browser"
    );

    let r = b.call("me/language", &[("language", "it")]).await;
    assert_eq!(r.json()["lang"], "It");
    let page = b.get("/preferences").await;
    assert!(page.body.contains("Ruolo e Login Utente"));
    assert!(page.body.contains(r#"lang="it""#));

    assert_eq!(
        b.call("me/language", &[("language", "klingon")])
            .await
            .json(),
        json!({"Invalid": {"field": "language", "msg": "UnknownLanguage"}})
    );
    b.call("me/language", &[("language", "")]).await;
    assert!(b.get("/preferences").await.body.contains("Role and login"));
}

#[tokio::test]
async fn pages_redirect_to_login_and_back() {
    let server = TestServer::start().await;
    let mut b = server.browser();
    let r = b.get("/preferences").await;
    assert!(r.status.is_redirection(), "{}", r.status);
    assert_eq!(r.location.as_deref(), Some("/login?next=/preferences"));
    let r = b.get("/admin/users").await;
    assert_eq!(r.location.as_deref(), Some("/login?next=/admin/users"));
}

#[tokio::test]
async fn italian_browser_gets_italian_pages() {
    let server = TestServer::start().await;
    server.add_user("anna", "anna-password-1", false).await;
    let mut b = server.browser();
    b.lang = Some("it-IT,it;q=0.9");
    let login = b.get("/login").await;
    assert!(login.body.contains("Nome Utente"));
    b.login("anna", "anna-password-1").await;
    let page = b.get("/preferences").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Ruolo e Login Utente"));
    assert!(
        page.body.contains("anna@example.it"),
        "the user's data from the database"
    );
}

#[tokio::test]
async fn non_admin_gets_a_not_allowed_page_and_unknown_paths_a_404() {
    let server = TestServer::start().await;
    server.add_user("anna", "anna-password-1", false).await;
    let mut b = server.browser();
    b.login("anna", "anna-password-1").await;
    let r = b.get("/admin/users").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("Not allowed"));
    let r = b.get("/no/such/page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("Page not found"));
}

#[tokio::test]
async fn healthz_answers() {
    let server = TestServer::start().await;
    let mut b = server.browser();
    let r = b.get("/healthz").await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "ok"));
}
