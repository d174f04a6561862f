//! Access rules at the server functions: the admin's functions refuse everyone else, and
//! admin changes take effect on the affected user's sessions.

mod common;

use common::TestServer;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn non_admin_is_refused_by_every_admin_function() {
    let server = TestServer::start().await;
    let admin_id = server.add_user("root", "root-password-1", true).await;
    server.add_user("anna", "anna-password-1", false).await;
    let mut anna = server.browser();
    anna.login("anna", "anna-password-1").await;
    let admin_id = admin_id.to_string();

    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("users/list", vec![]),
        ("users/get", vec![("id", admin_id.as_str())]),
        (
            "users/active",
            vec![("id", admin_id.as_str()), ("active", "false")],
        ),
        (
            "users/reset-password",
            vec![
                ("id", admin_id.as_str()),
                ("new_password", "mallory-took-it"),
            ],
        ),
        (
            "users/email",
            vec![("id", admin_id.as_str()), ("email", "mallory@example.it")],
        ),
        (
            "users/create",
            vec![
                ("username", "mallory"),
                ("email", "m@example.it"),
                ("first_name", ""),
                ("last_name", ""),
                ("password", "mallory-password"),
                ("is_admin", "on"),
            ],
        ),
    ];
    for (endpoint, form) in calls {
        let r = anna.call(endpoint, &form).await;
        assert_eq!(r.json(), json!("Forbidden"), "{endpoint}");
    }
    // Nothing happened.
    let mallory = app::backend::store::users::by_username(&server.state.pool, "mallory")
        .await
        .unwrap();
    assert!(mallory.is_none());
    let root = app::backend::store::users::by_username(&server.state.pool, "root")
        .await
        .unwrap()
        .unwrap();
    assert!(root.active);
}

#[tokio::test]
async fn anonymous_callers_are_unauthenticated() {
    let server = TestServer::start().await;
    let mut b = server.browser();
    for endpoint in ["users/list", "me/profile"] {
        assert_eq!(
            b.call(endpoint, &[]).await.json(),
            json!("Unauthenticated"),
            "{endpoint}"
        );
    }
}

#[tokio::test]
async fn admin_creates_a_user_who_can_then_sign_in() {
    let server = TestServer::start().await;
    server.add_user("root", "root-password-1", true).await;
    let mut admin = server.browser();
    admin.login("root", "root-password-1").await;

    let form = [
        ("username", "Mario.Rossi"),
        ("email", "mario@example.it"),
        ("first_name", "Mario"),
        ("last_name", "Rossi"),
        ("password", "mario-password-1"),
    ];
    let r = admin.call("users/create", &form).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let list = admin.call("users/list", &[]).await.json();
    let names: Vec<&str> = list["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["mario.rossi", "root"]);
    assert_eq!(list["rows"][0]["is_admin"], json!(false));

    let mut mario = server.browser();
    assert_eq!(
        mario.login("mario.rossi", "mario-password-1").await.status,
        StatusCode::OK
    );
    // The admin's password is a one-time one: he chooses his own first.
    assert_eq!(
        mario.call("me/profile", &[]).await.json(),
        json!("PasswordChangeRequired")
    );
    let r = mario.choose_password("marios-own-password").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let profile = mario.call("me/profile", &[]).await.json();
    assert_eq!(profile["email"], "mario@example.it");
    assert_eq!(profile["first_name"], "Mario");
}

#[tokio::test]
async fn bad_new_user_fields_are_reported_and_nothing_is_created() {
    let server = TestServer::start().await;
    server.add_user("root", "root-password-1", true).await;
    let mut admin = server.browser();
    admin.login("root", "root-password-1").await;
    let base = [
        ("username", "anna"),
        ("email", "anna@example.it"),
        ("first_name", ""),
        ("last_name", ""),
        ("password", "anna-password-1"),
    ];
    let cases = [
        (
            "username",
            "a b",
            json!({"Invalid": {"field": "username", "msg": "UsernameFormat"}}),
        ),
        (
            "username",
            "root",
            json!({"Invalid": {"field": "username", "msg": "UsernameTaken"}}),
        ),
        (
            "email",
            "anna",
            json!({"Invalid": {"field": "email", "msg": "EmailFormat"}}),
        ),
        (
            "password",
            "short",
            json!({"Invalid": {"field": "password", "msg": "PasswordShort"}}),
        ),
    ];
    for (field, value, expected) in cases {
        let form: Vec<(&str, &str)> = base
            .iter()
            .map(|&(k, v)| (k, if k == field { value } else { v }))
            .collect();
        let r = admin.call("users/create", &form).await;
        assert_eq!(r.json(), expected, "{field}={value}");
    }
    let list = admin.call("users/list", &[]).await.json();
    assert_eq!(list["rows"].as_array().unwrap().len(), 1);
    assert_eq!(list["total"], 1);
}

#[tokio::test]
async fn deactivation_ends_the_users_sessions_and_reactivation_restores_login() {
    let server = TestServer::start().await;
    server.add_user("root", "root-password-1", true).await;
    let anna_id = server
        .add_user("anna", "anna-password-1", false)
        .await
        .to_string();
    let mut admin = server.browser();
    admin.login("root", "root-password-1").await;
    admin.reauth("root-password-1", None).await;
    let mut anna = server.browser();
    anna.login("anna", "anna-password-1").await;
    assert_eq!(anna.whoami().await.as_deref(), Some("anna"));

    let r = admin
        .call("users/active", &[("id", &anna_id), ("active", "false")])
        .await;
    assert_eq!(r.json()["active"], json!(false));
    assert_eq!(anna.whoami().await, None, "signed out at once");
    assert_eq!(
        anna.login("anna", "anna-password-1").await.json(),
        json!("LoginFailed")
    );

    admin
        .call("users/active", &[("id", &anna_id), ("active", "true")])
        .await;
    assert_eq!(
        anna.login("anna", "anna-password-1").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_admin_cannot_deactivate_themselves() {
    let server = TestServer::start().await;
    let id = server
        .add_user("root", "root-password-1", true)
        .await
        .to_string();
    let mut admin = server.browser();
    admin.login("root", "root-password-1").await;
    admin.reauth("root-password-1", None).await;
    let r = admin
        .call("users/active", &[("id", &id), ("active", "false")])
        .await;
    assert_eq!(
        r.json(),
        json!({"Invalid": {"field": "active", "msg": "CannotDeactivateSelf"}})
    );
    assert_eq!(admin.whoami().await.as_deref(), Some("root"));
}

#[tokio::test]
async fn unknown_user_id_is_not_found() {
    let server = TestServer::start().await;
    server.add_user("root", "root-password-1", true).await;
    let mut admin = server.browser();
    admin.login("root", "root-password-1").await;
    admin.reauth("root-password-1", None).await;
    assert_eq!(
        admin.call("users/get", &[("id", "999")]).await.json(),
        json!("NotFound")
    );
    assert_eq!(
        admin
            .call("users/active", &[("id", "999"), ("active", "false")])
            .await
            .json(),
        json!("NotFound")
    );
}

#[tokio::test]
async fn an_admin_resets_a_login_password_which_the_user_must_then_change() {
    let server = TestServer::start().await;
    let anna_id = server.add_user("anna", "anna-password-1", false).await;
    let mut anna = server.signed_in("anna", "anna-password-1").await;
    let mut admin = server.signed_in_admin().await;
    let uid = anna_id.to_string();
    // A password that breaks the rules is refused and changes nothing.
    let r = admin
        .call(
            "users/reset-password",
            &[("id", &uid), ("new_password", "short")],
        )
        .await;
    assert_eq!(r.json(), json!("ReauthRequired"), "re-authentication first");
    admin.reauth(common::ADMIN_PASSWORD, None).await;
    let r = admin
        .call(
            "users/reset-password",
            &[("id", &uid), ("new_password", "short")],
        )
        .await;
    assert_eq!(r.json()["Invalid"]["field"], "new_password", "{}", r.body);
    assert_eq!(
        anna.call("me/profile", &[]).await.status,
        StatusCode::OK,
        "still signed in"
    );

    // Left empty: one is made up and shown to the admin once.
    let r = admin
        .call(
            "users/reset-password",
            &[("id", &uid), ("new_password", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let made = r.json()["password"].as_str().unwrap().to_string();
    assert_eq!(made.len(), 16);
    // Anna's session ended; the old password no longer works; the new one makes her choose.
    assert_ne!(anna.call("me/profile", &[]).await.status, StatusCode::OK);
    let mut again = server.browser();
    assert_ne!(
        again.login("anna", "anna-password-1").await.status,
        StatusCode::OK
    );
    assert_eq!(again.login("anna", &made).await.status, StatusCode::OK);
    assert_eq!(
        again.call("me/profile", &[]).await.json(),
        json!("PasswordChangeRequired")
    );
    server
        .wait_for_mail(
            "anna@example.it",
            "login password of your account has been changed",
        )
        .await;
    let events = admin.call("users/audit", &[("id", &uid)]).await.json();
    assert_eq!(events[0]["action"], "PasswordReset");
    // The password is in the answer to the admin only: not in the audit trail, not in the
    // user's profile.
    assert!(!admin
        .call("users/audit", &[("id", &uid)])
        .await
        .body
        .contains(&made));
    assert!(!admin
        .call("users/get", &[("id", &uid)])
        .await
        .body
        .contains(&made));
}

#[tokio::test]
async fn an_admin_corrects_an_email_address_and_both_addresses_are_told() {
    let server = TestServer::start().await;
    let anna_id = server.add_user("anna", "anna-password-1", false).await;
    let mut admin = server.signed_in_admin().await;
    admin.reauth(common::ADMIN_PASSWORD, None).await;
    let uid = anna_id.to_string();
    let r = admin
        .call("users/email", &[("id", &uid), ("email", "not-an-address")])
        .await;
    assert_eq!(r.json()["Invalid"]["field"], "email", "{}", r.body);
    let r = admin
        .call(
            "users/email",
            &[("id", &uid), ("email", "anna.rossi@example.org")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["email"], "anna.rossi@example.org");
    for to in ["anna@example.it", "anna.rossi@example.org"] {
        server
            .wait_for_mail(to, "email address of your account has been changed")
            .await;
    }
    let events = admin.call("users/audit", &[("id", &uid)]).await.json();
    assert_eq!(events[0]["action"], "EmailChanged");
}

/// Issue 16, point 7: the list is searched, ordered and paged by the server, with the newest
/// door sighting of each user's devices in the admin's language and time zone.
#[tokio::test]
async fn the_user_list_is_paged_searched_and_sorted_by_the_server() {
    use app::backend::store::{devices, users};
    let server = TestServer::start().await;
    let mut admin = server.signed_in_admin().await;
    let hash = app::backend::identity::passwords::hash_now("user-password-1").unwrap();
    let mut ids = Vec::new();
    for i in 0..120 {
        let username = format!("user{i:03}");
        let email = format!("{username}@example.it");
        let last = format!("Surname{:03}", 119 - i);
        let insert = users::Insert {
            username: &username,
            email: &email,
            first_name: "Test",
            last_name: &last,
            is_admin: false,
            password_hash: &hash,
            must_change_password: false,
            now: 0,
        };
        ids.push(users::insert(&server.state.pool, insert).await.unwrap());
    }
    // Two phones seen: user007's yesterday, user042's an hour ago (2026-12-06 19:15 UTC).
    let now = 1_796_588_100;
    for (id, device, at) in [
        (ids[7], "PHONE7", now - 86_400),
        (ids[42], "PHONE42", now - 3600),
    ] {
        let sighting = devices::Sighting {
            user_id: id,
            device_id: device,
            device_type: "iPhone",
            user_agent: "Apple-iPhone/1",
            protocol_version: "16.1",
            address: "127.0.0.1",
            at,
        };
        devices::seen(&server.state.pool, sighting).await.unwrap();
    }

    let list = |r: common::Reply| r.json();
    let first = list(admin.call("users/list", &[]).await);
    assert_eq!(first["total"], 121, "120 users and the admin");
    assert_eq!(first["pages"], 2);
    assert_eq!(first["rows"].as_array().unwrap().len(), 100);
    assert_eq!(first["rows"][0]["username"], "admin");
    let second = list(admin.call("users/list", &[("page", "2")]).await);
    assert_eq!(second["rows"].as_array().unwrap().len(), 21);
    assert_eq!(second["rows"][20]["username"], "user119");
    let past = list(admin.call("users/list", &[("page", "99")]).await);
    assert_eq!(past["page"], 2, "a page past the end shows the last one");
    assert_eq!(past["rows"].as_array().unwrap().len(), 21);

    // Words are searched in usernames, names and emails; `%` is a character, not a pattern.
    let found = list(admin.call("users/list", &[("q", "USER04")]).await);
    assert_eq!(found["total"], 10);
    let found = list(admin.call("users/list", &[("q", "test surname000")]).await);
    assert_eq!(found["total"], 1);
    assert_eq!(found["rows"][0]["username"], "user119");
    let none = list(admin.call("users/list", &[("q", "%")]).await);
    assert_eq!(none["total"], 0);

    // By last device seen: the newest first, then those never seen.
    let seen = list(admin.call("users/list", &[("sort", "last_seen")]).await);
    let rows = seen["rows"].as_array().unwrap();
    assert_eq!(rows[0]["username"], "user042");
    assert_eq!(rows[0]["last_device"], "iPhone · PHONE42");
    assert_eq!(
        rows[0]["last_seen"], "6 Dec 2026, 19:15 UTC",
        "the admin has no zone: UTC"
    );
    assert_eq!(rows[1]["username"], "user007");
    assert_eq!(rows[2]["last_seen"], serde_json::Value::Null);
    // In the viewer's language and zone.
    admin.call("me/language", &[("language", "it")]).await;
    admin
        .call("me/time-zone", &[("time_zone", "Europe/Rome")])
        .await;
    let seen = list(admin.call("users/list", &[("sort", "last_seen")]).await);
    assert_eq!(seen["rows"][0]["last_seen"], "6 dic 2026, 20:15");

    let by_name = list(admin.call("users/list", &[("sort", "name")]).await);
    assert_eq!(by_name["rows"][0]["username"], "admin", "Administrator");
    assert_eq!(by_name["rows"][1]["username"], "user119", "then Surname000");
    let unknown = list(admin.call("users/list", &[("sort", "password_hash")]).await);
    assert_eq!(unknown["rows"][0]["username"], "admin", "by username");
}
