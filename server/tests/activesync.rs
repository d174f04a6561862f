//! The dedicated ActiveSync password through the server functions (SPEC 1.2): viewing and
//! changing it need a fresh re-authentication (injected clock), the rules for a new one, and
//! admins can enable ActiveSync and clear the password but never read it.

mod common;

use app::domain::ids::UserId;
use common::{Browser, TestServer};
use reqwest::StatusCode;
use serde_json::json;

fn new_sync<'a>(p: &'a str, c: &'a str) -> [(&'static str, &'a str); 2] {
    [("new_sync_password", p), ("confirm_sync_password", c)]
}

async fn enable(server: &TestServer, id: UserId) {
    let mut admin = server.signed_in_admin().await;
    let r = admin
        .call(
            "users/activesync",
            &[("id", &id.to_string()), ("enabled", "true")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["activesync_enabled"], true);
}

/// anna, with ActiveSync enabled, signed in and freshly re-authenticated.
async fn anna_reauthed(server: &TestServer) -> (UserId, Browser) {
    let id = server.add_user("anna", "anna-password-1", false).await;
    enable(server, id).await;
    let mut b = server.signed_in("anna", "anna-password-1").await;
    b.reauth("anna-password-1", None).await;
    (id, b)
}

async fn set_sync_password(b: &mut Browser, password: &str) {
    let r = b
        .call("activesync/change", &new_sync(password, password))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn viewing_needs_a_fresh_reauth_and_expires_after_five_minutes() {
    let server = TestServer::start().await;
    let id = server.add_user("anna", "anna-password-1", false).await;
    enable(&server, id).await;
    let mut b = server.signed_in("anna", "anna-password-1").await;
    assert_eq!(
        b.call("me/profile", &[]).await.json()["device_credential"],
        "LoginPassword"
    );

    assert_eq!(
        b.call("activesync/view", &[]).await.json(),
        json!("ReauthRequired")
    );
    b.reauth("anna-password-1", None).await;
    assert_eq!(
        b.call("activesync/view", &[]).await.json(),
        json!({"current": null})
    );
    let r = b
        .call(
            "activesync/change",
            &new_sync("phone-secret-42", "phone-secret-42"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        b.call("activesync/view", &[]).await.json(),
        json!({"current": "phone-secret-42"})
    );
    let profile = b.call("me/profile", &[]).await.json();
    assert_eq!(profile["device_credential"], "SyncPassword");
    assert_eq!(profile["sync_password_set_at"], 1_700_000_000);
    server
        .wait_for_mail("anna@example.it", "Your ActiveSync password changed")
        .await;

    server.clock.advance(300);
    assert_eq!(
        b.call("activesync/view", &[]).await.json(),
        json!("ReauthRequired"),
        "stale after 5 minutes"
    );
    let mut other = server.signed_in("anna", "anna-password-1").await;
    assert_eq!(
        other.call("activesync/view", &[]).await.json(),
        json!("ReauthRequired"),
        "another session has not re-authenticated"
    );
}

#[tokio::test]
async fn the_stored_password_is_encrypted_with_its_key_id() {
    let server = TestServer::start().await;
    let (id, mut b) = anna_reauthed(&server).await;
    set_sync_password(&mut b, "phone-secret-42").await;
    let row = app::backend::store::users::by_id(&server.state.pool, id)
        .await
        .unwrap()
        .unwrap();
    let ciphertext = row.sync_password_ciphertext.clone().unwrap();
    assert!(
        !ciphertext.windows(6).any(|w| w == b"phone-"),
        "not in clear"
    );
    assert_eq!(row.sync_password_nonce.as_ref().unwrap().len(), 12);
    assert_eq!(
        row.sync_password_key_id.as_deref(),
        Some(server.state.secrets.key_id().as_str())
    );
}

#[tokio::test]
async fn a_new_sync_password_follows_the_rules_and_bad_ones_change_nothing() {
    let server = TestServer::start().await;
    let (_, mut b) = anna_reauthed(&server).await;
    for ((new, confirm), (field, msg)) in [
        (
            ("short-one", "short-one"),
            ("new_sync_password", "SyncPasswordShort"),
        ),
        (
            ("phone-secret-42", "phone-secret-43"),
            ("confirm_sync_password", "PasswordMismatch"),
        ),
        (
            ("anna-password-1", "anna-password-1"),
            ("new_sync_password", "SyncPasswordSameAsLogin"),
        ),
    ] {
        assert_eq!(
            b.call("activesync/change", &new_sync(new, confirm))
                .await
                .json(),
            json!({"Invalid": {"field": field, "msg": msg}}),
            "{new}"
        );
    }
    assert_eq!(
        b.call("activesync/view", &[]).await.json(),
        json!({"current": null})
    );
}

#[tokio::test]
async fn without_activesync_enabled_there_is_nothing_to_view() {
    let server = TestServer::start().await;
    server.add_user("anna", "anna-password-1", false).await;
    let mut b = server.signed_in("anna", "anna-password-1").await;
    b.reauth("anna-password-1", None).await;
    assert_eq!(
        b.call("activesync/view", &[]).await.json(),
        json!("Forbidden")
    );
    assert_eq!(
        b.call("me/profile", &[]).await.json()["device_credential"],
        json!({"Refused": "NotEnabled"})
    );
}

#[tokio::test]
async fn admins_enable_and_clear_but_never_read_another_users_password() {
    let server = TestServer::start().await;
    let (id, mut anna) = anna_reauthed(&server).await;
    set_sync_password(&mut anna, "phone-secret-42").await;

    let mut admin = server.signed_in_admin().await;
    admin.reauth(common::ADMIN_PASSWORD, None).await;
    let uid = id.to_string();
    // No server function hands the admin anna's password: her profile, the list, the audit
    // trail, and the view (which is the admin's own, not hers).
    for (endpoint, form) in [
        ("users/get", vec![("id", uid.as_str())]),
        ("users/list", vec![]),
        ("users/audit", vec![("id", uid.as_str())]),
        ("activesync/view", vec![]),
    ] {
        let r = admin.call(endpoint, &form).await;
        assert!(
            !r.body.contains("phone-secret-42"),
            "{endpoint}: {}",
            r.body
        );
    }
    assert_eq!(
        admin.call("activesync/view", &[]).await.json(),
        json!("Forbidden"),
        "the admin's own ActiveSync is not enabled"
    );

    let r = admin
        .call("users/clear-sync-password", &[("id", &uid)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["sync_password_set_at"], json!(null));
    assert_eq!(r.json()["device_credential"], "LoginPassword");
    server
        .wait_for_mail("anna@example.it", "Your ActiveSync password was cleared")
        .await;
    let events = admin.call("users/audit", &[("id", &uid)]).await.json();
    assert_eq!(events[0]["action"], "SyncPasswordCleared");
    assert_eq!(events[1]["action"], "SyncPasswordChanged");
    assert_eq!(events[2]["action"], "ActiveSyncEnabled");

    assert_eq!(
        anna.call("users/clear-sync-password", &[("id", &uid)])
            .await
            .json(),
        json!("Forbidden")
    );
    assert_eq!(
        anna.call("users/activesync", &[("id", &uid), ("enabled", "false")])
            .await
            .json(),
        json!("Forbidden")
    );
}

#[tokio::test]
async fn with_2fa_on_the_sync_password_cannot_be_removed() {
    let server = TestServer::start().await;
    let (id, mut b) = anna_reauthed(&server).await;
    set_sync_password(&mut b, "phone-secret-42").await;
    let r = b.call("activesync/remove", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "without 2FA: {}", r.body);
    assert_eq!(
        b.call("me/profile", &[]).await.json()["device_credential"],
        "LoginPassword"
    );

    set_sync_password(&mut b, "phone-secret-42").await;
    app::backend::store::users::set_two_factor(
        &server.state.pool,
        id,
        (None, Some("email")),
        None,
        0,
    )
    .await
    .unwrap();
    let mut b = server.browser();
    b.login("anna", "anna-password-1").await;
    let code = server.latest_code("anna@example.it");
    b.call("login/code", &[("code", &code)]).await;
    b.call("reauth/start", &[]).await;
    let code = server.latest_code("anna@example.it");
    b.reauth("anna-password-1", Some(&code)).await;
    assert_eq!(
        b.call("activesync/remove", &[]).await.json(),
        json!({"Invalid": {"field": "sync_password", "msg": "SyncPasswordNeededWithTwoFactor"}})
    );
    assert_eq!(
        b.call("me/profile", &[]).await.json()["device_credential"],
        "SyncPassword"
    );
}

#[tokio::test]
async fn the_organisation_switch_refuses_every_device_and_is_audited() {
    let server = TestServer::start().await;
    let id = server.add_user("anna", "anna-password-1", false).await;
    enable(&server, id).await;
    let mut admin = server.signed_in_admin().await;
    assert_eq!(
        admin.call("settings/get", &[]).await.json()["activesync_service"],
        true,
        "on by default"
    );
    let r = admin
        .call("settings/activesync-service", &[("on", "false")])
        .await;
    assert_eq!(r.json()["activesync_service"], false, "{}", r.body);
    let mut anna = server.signed_in("anna", "anna-password-1").await;
    assert_eq!(
        anna.call("me/profile", &[]).await.json()["device_credential"],
        json!({"Refused": "ServiceOff"})
    );
    let events = admin.call("settings/audit", &[]).await.json();
    assert_eq!(events[0]["action"], "OrgActiveSyncOff");
    assert_eq!(
        anna.call("settings/activesync-service", &[("on", "true")])
            .await
            .json(),
        json!("Forbidden")
    );
}
