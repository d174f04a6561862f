//! Accounts hardened against the ways around the login page (issue 10): a one-time password
//! leads only to choosing one's own, the login password may not be the sync password,
//! sessions end after seven days, weakening someone else's account asks the admin's own
//! re-authentication, a forced enrolment is not one, a new email is proven by a code, and
//! devices are bounded and removable.

mod common;

use common::{TestServer, ADMIN_PASSWORD};
use reqwest::StatusCode;
use serde_json::json;

const LOGIN: &str = "anna-password-1";

#[tokio::test]
async fn a_one_time_password_leads_only_to_choosing_ones_own() {
    let server = TestServer::start().await;
    let mut admin = server.signed_in_admin().await;
    let r = admin
        .call(
            "users/create",
            &[
                ("username", "mario"),
                ("email", "mario@example.it"),
                ("first_name", "Mario"),
                ("last_name", "Rossi"),
                ("password", "one-time-pass-1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut mario = server.browser();
    let r = mario.login("mario", "one-time-pass-1").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["user"]["must_change_password"], true);
    for endpoint in ["me/profile", "me/devices", "two-factor/enrol"] {
        let r = mario.call(endpoint, &[("resend", "false")]).await;
        assert_eq!(
            (r.status, r.json()),
            (StatusCode::FORBIDDEN, json!("PasswordChangeRequired")),
            "{endpoint}"
        );
    }
    let page = mario.get("/preferences").await;
    assert_eq!(page.location.as_deref(), Some("/password/choose"));
    let r = mario.choose_password("one-time-pass-1").await;
    assert_eq!(
        r.json(),
        json!({"Invalid": {"field": "new_password", "msg": "PasswordUnchanged"}})
    );
    let r = mario.choose_password("marios-own-password").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["user"]["must_change_password"], false);
    assert_eq!(mario.call("me/profile", &[]).await.status, StatusCode::OK);
    // Only once: from now on a change needs the current password (re-authentication).
    let r = mario.choose_password("another-password-1").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_login_password_may_not_be_the_sync_password() {
    let server = TestServer::start().await;
    let id = server.add_user("anna", LOGIN, false).await;
    app::backend::store::users::set_activesync_enabled(&server.state.pool, id, true, 0)
        .await
        .unwrap();
    let sealed = server.state.secrets.seal(id, "phone-secret-42");
    app::backend::store::users::set_sync_password(&server.state.pool, id, Some(&sealed), 0)
        .await
        .unwrap();
    let mut anna = server.signed_in("anna", LOGIN).await;
    anna.reauth(LOGIN, None).await;
    let r = anna
        .call(
            "me/password",
            &[
                ("new_password", "phone-secret-42"),
                ("confirm_password", "phone-secret-42"),
            ],
        )
        .await;
    assert_eq!(
        (r.status, r.json()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"Invalid": {"field": "new_password", "msg": "PasswordSameAsSync"}})
        )
    );
}

#[tokio::test]
async fn a_session_ends_seven_days_after_sign_in_however_active() {
    let server = TestServer::start().await;
    server.add_user("anna", LOGIN, false).await;
    let mut anna = server.signed_in("anna", LOGIN).await;
    for _ in 0..6 {
        server.clock.advance(24 * 3600);
        assert_eq!(anna.whoami().await.as_deref(), Some("anna"));
    }
    server.clock.advance(24 * 3600);
    assert_eq!(anna.whoami().await, None);
}

#[tokio::test]
async fn weakening_someone_elses_account_asks_the_admins_own_reauthentication() {
    let server = TestServer::start().await;
    let id = server.add_user_with_2fa("anna", LOGIN).await.to_string();
    let mut admin = server.signed_in_admin().await;
    for (endpoint, form) in [
        ("users/reset-two-factor", vec![("id", id.as_str())]),
        ("users/clear-sync-password", vec![("id", id.as_str())]),
        (
            "users/active",
            vec![("id", id.as_str()), ("active", "false")],
        ),
    ] {
        let r = admin.call(endpoint, &form).await;
        assert_eq!(
            (r.status, r.json()),
            (StatusCode::FORBIDDEN, json!("ReauthRequired")),
            "{endpoint}"
        );
    }
    let r = admin
        .call(
            "users/create",
            &[
                ("username", "boss2"),
                ("email", "boss2@example.it"),
                ("first_name", ""),
                ("last_name", ""),
                ("password", "one-time-pass-1"),
                ("is_admin", "on"),
            ],
        )
        .await;
    assert_eq!(r.json(), json!("ReauthRequired"), "making an administrator");
    // Strengthening needs no new proof.
    let r = admin
        .call(
            "users/require-two-factor",
            &[("id", id.as_str()), ("required", "true")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        admin.reauth(ADMIN_PASSWORD, None).await.status,
        StatusCode::OK
    );
    let r = admin
        .call("users/reset-two-factor", &[("id", id.as_str())])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_forced_enrolment_is_not_a_reauthentication() {
    let server = TestServer::start().await;
    let id = server.add_user("anna", LOGIN, false).await;
    app::backend::store::users::set_two_factor_required(&server.state.pool, id, true, 0)
        .await
        .unwrap();
    let mut anna = server.signed_in("anna", LOGIN).await;
    // The enrolment itself goes on without asking the password again...
    let r = anna.call("two-factor/enrol", &[("resend", "false")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let code = server.latest_code("anna@example.it");
    let r = anna.call("two-factor/confirm", &[("code", &code)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // ...but nothing else counts the sign-in as a fresh proof.
    let r = anna
        .call(
            "me/password",
            &[
                ("new_password", "anna-password-2"),
                ("confirm_password", "anna-password-2"),
            ],
        )
        .await;
    assert_eq!(r.json(), json!("ReauthRequired"));
}

#[tokio::test]
async fn a_new_email_address_is_proven_by_a_code_and_the_old_one_is_told() {
    let server = TestServer::start().await;
    server.add_user("anna", LOGIN, false).await;
    let mut anna = server.signed_in("anna", LOGIN).await;
    anna.reauth(LOGIN, None).await;
    let r = anna
        .call("me/email", &[("email", "anna.new@example.it")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), json!("a***@example.it"));
    // Nothing changed yet.
    let profile = anna.call("me/profile", &[]).await.json();
    assert_eq!(profile["email"], "anna@example.it");
    let r = anna.call("me/email/confirm", &[("code", "000000")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let code = server.latest_code("anna.new@example.it");
    // The code proves that address only: asking for another one now, then typing this code,
    // changes nothing.
    server.clock.advance(61);
    let r = anna
        .call("me/email", &[("email", "mallory@example.it")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = anna.call("me/email/confirm", &[("code", &code)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        anna.call("me/profile", &[]).await.json()["email"],
        "anna@example.it"
    );
    server.clock.advance(61);
    anna.call("me/email", &[("email", "anna.new@example.it")])
        .await;
    let code = server.latest_code("anna.new@example.it");
    let r = anna.call("me/email/confirm", &[("code", &code)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        anna.call("me/profile", &[]).await.json()["email"],
        "anna.new@example.it"
    );
    server
        .wait_for_mail(
            "anna@example.it",
            "email address of your account has been changed",
        )
        .await;
}

#[tokio::test]
async fn an_admin_can_remove_a_device_and_a_users_devices_are_bounded() {
    use app::backend::store::devices::{self, Sighting, MAX_PER_USER};
    let server = TestServer::start().await;
    let id = server.add_user("anna", LOGIN, false).await;
    for n in 0..(MAX_PER_USER + 5) {
        devices::seen(
            &server.state.pool,
            Sighting {
                user_id: id,
                device_id: &format!("PHONE{n}"),
                device_type: "Phone",
                user_agent: "",
                protocol_version: "16.1",
                address: "127.0.0.1",
                at: n,
            },
        )
        .await
        .unwrap();
        devices::prune(&server.state.pool, id).await.unwrap();
    }
    let list = devices::for_user(&server.state.pool, id).await.unwrap();
    assert_eq!(list.len() as i64, MAX_PER_USER);
    assert_eq!(list.last().unwrap().device_id, "PHONE5", "the oldest went");
    let mut admin = server.signed_in_admin().await;
    let uid = id.to_string();
    let device = list[0].id.to_string();
    let r = admin
        .call("users/delete-device", &[("id", &uid), ("device", &device)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json().as_array().unwrap().len() as i64, MAX_PER_USER - 1);
    assert_eq!(
        admin.call("users/audit", &[("id", &uid)]).await.json()[0]["action"],
        "DeviceDeleted"
    );
}
