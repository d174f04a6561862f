//! Issue 25: a change of the user's own that ends "every other session" keeps the session
//! that made it signed in, even when the request that made it never finished, and ends every
//! other session of that user.

mod common;

use common::{Browser, TestServer};
use reqwest::StatusCode;

const PASSWORD: &str = "anna-password-1";

/// Signs a browser in as anna, with the emailed code when she has 2FA.
async fn signed_in(server: &TestServer, with_code: bool) -> Browser {
    let mut b = server.browser();
    let r = b.login("anna", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    if with_code {
        let code = server.latest_code("anna@example.it");
        let r = b.call("login/code", &[("code", &code)]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    assert_eq!(b.whoami().await.as_deref(), Some("anna"));
    b
}

/// Re-authenticates `b` as anna (password, and the emailed code with 2FA).
async fn reauthenticated(server: &TestServer, b: &mut Browser, with_code: bool) {
    let r = if with_code {
        server.clock.advance(61);
        let r = b.call("reauth/start", &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let code = server.latest_code("anna@example.it");
        b.reauth(PASSWORD, Some(&code)).await
    } else {
        b.reauth(PASSWORD, None).await
    };
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// The changes of one's own that end the other sessions.
#[derive(Clone, Copy, Debug)]
enum Own {
    TwoFactorOn,
    TwoFactorOff,
    Password,
    Email,
    ChosenPassword,
}

/// Prepares anna for `change` (2FA on before turning it off, a one-time password before
/// choosing her own) and returns whether signing in needs the emailed code.
async fn prepare(server: &TestServer, change: Own) -> bool {
    match change {
        Own::TwoFactorOff => {
            server.add_user_with_2fa("anna", PASSWORD).await;
            true
        }
        Own::ChosenPassword => {
            let id = server.add_user("anna", PASSWORD, false).await;
            let hash = server
                .state
                .hasher
                .hash(PASSWORD.to_string().into())
                .await
                .unwrap();
            app::backend::store::users::set_password(&server.state.pool, id, &hash, true, None, 1)
                .await
                .unwrap();
            false
        }
        _ => {
            server.add_user("anna", PASSWORD, false).await;
            false
        }
    }
}

/// The fresh re-authentication `change` needs (choosing one's own password needs none).
async fn reauth_for(server: &TestServer, b: &mut Browser, change: Own, with_code: bool) {
    if !matches!(change, Own::ChosenPassword) {
        reauthenticated(server, b, with_code).await;
    }
}

/// `b` makes `change` (after `reauth_for`); the server must say it is done.
async fn apply(server: &TestServer, b: &mut Browser, change: Own) {
    let r = match change {
        Own::TwoFactorOn => {
            server.clock.advance(61);
            let r = b.call("two-factor/enrol", &[("resend", "false")]).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            let code = server.latest_code("anna@example.it");
            b.call("two-factor/confirm", &[("code", &code)]).await
        }
        Own::TwoFactorOff => b.call("two-factor/off", &[]).await,
        Own::Password => {
            let new = [
                ("new_password", "anna-password-2"),
                ("confirm_password", "anna-password-2"),
            ];
            b.call("me/password", &new).await
        }
        Own::Email => server.change_email(b, "anna.new@example.it").await,
        Own::ChosenPassword => b.choose_password("anna-password-2").await,
    };
    assert_eq!(r.status, StatusCode::OK, "{change:?}: {}", r.body);
}

async fn make(server: &TestServer, b: &mut Browser, change: Own, with_code: bool) {
    reauth_for(server, b, change, with_code).await;
    apply(server, b, change).await;
}

const ALL: [Own; 5] = [
    Own::TwoFactorOn,
    Own::TwoFactorOff,
    Own::Password,
    Own::Email,
    Own::ChosenPassword,
];

#[tokio::test]
async fn each_own_change_keeps_this_session_and_ends_the_others() {
    for change in ALL {
        let server = TestServer::start().await;
        let with_code = prepare(&server, change).await;
        let mut elsewhere = signed_in(&server, with_code).await;
        server.clock.advance(61);
        let mut here = signed_in(&server, with_code).await;
        make(&server, &mut here, change, with_code).await;
        assert_eq!(
            here.whoami().await.as_deref(),
            Some("anna"),
            "{change:?}: the session that made it"
        );
        assert_eq!(here.get("/preferences").await.status, StatusCode::OK);
        assert_eq!(
            elsewhere.whoami().await,
            None,
            "{change:?}: another session"
        );
    }
}

/// The session row as the store keeps it (what a request that never finished leaves behind).
async fn session_row(server: &TestServer, id: &str) -> Vec<u8> {
    let sql = format!("SELECT data FROM {} WHERE id = $1", sessions_table(server));
    sqlx::query_scalar(&sql)
        .bind(id)
        .fetch_one(&server.state.pool)
        .await
        .expect("the session row")
}

async fn put_session_row(server: &TestServer, id: &str, data: Vec<u8>) {
    let sql = format!(
        "UPDATE {} SET data = $1 WHERE id = $2",
        sessions_table(server)
    );
    let done = sqlx::query(&sql)
        .bind(data)
        .bind(id)
        .execute(&server.state.pool)
        .await
        .expect("write the session row");
    assert_eq!(done.rows_affected(), 1);
}

fn sessions_table(server: &TestServer) -> &'static str {
    if server.database_url.starts_with("postgres") {
        "tower_sessions.sessions"
    } else {
        "sessions"
    }
}

/// The two ways the report's user lost their session: the handler cancelled between the
/// commit and writing the new version into the session (a reload right after the dialog
/// closed), and a request of the same page that read the session before the change and
/// wrote it back after. Both leave the session row as it was before the change.
#[tokio::test]
async fn a_session_left_as_it_was_before_its_own_change_stays_signed_in() {
    for change in ALL {
        let server = TestServer::start().await;
        let with_code = prepare(&server, change).await;
        let mut elsewhere = signed_in(&server, with_code).await;
        server.clock.advance(61);
        let mut here = signed_in(&server, with_code).await;
        reauth_for(&server, &mut here, change, with_code).await;
        let id = here.cookie.clone().expect("a session cookie");
        let before = session_row(&server, &id).await;
        apply(&server, &mut here, change).await;
        assert_eq!(
            here.cookie.as_deref(),
            Some(id.as_str()),
            "{change:?}: the id was rotated by the re-authentication, not again by the change"
        );
        put_session_row(&server, &id, before).await;
        assert_eq!(
            here.whoami().await.as_deref(),
            Some("anna"),
            "{change:?}: the stale copy of the session that made it"
        );
        assert_eq!(
            elsewhere.whoami().await,
            None,
            "{change:?}: another session"
        );
    }
}

/// An admin's change of the user (a 2FA reset) names no session: all of them end, the one
/// that last changed something of its own included.
#[tokio::test]
async fn an_admins_reset_ends_every_session_of_the_user() {
    let server = TestServer::start().await;
    let with_code = prepare(&server, Own::TwoFactorOff).await;
    let mut here = signed_in(&server, with_code).await;
    make(&server, &mut here, Own::Password, with_code).await;
    assert_eq!(here.whoami().await.as_deref(), Some("anna"));
    let anna = app::backend::store::users::by_username(&server.state.pool, "anna")
        .await
        .unwrap()
        .unwrap();
    let mut admin = server.signed_in_admin().await;
    admin.reauth(common::ADMIN_PASSWORD, None).await;
    let r = admin
        .call("users/reset-two-factor", &[("id", &anna.id.to_string())])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(here.whoami().await, None);
}

/// A browser that drops the turn-off request while it is on its way: the change is all or
/// nothing (2FA off with its audit row, or still on), and the session stays signed in.
#[tokio::test]
async fn a_dropped_turn_off_request_leaves_no_half_change() {
    let server = TestServer::start().await;
    prepare(&server, Own::TwoFactorOff).await;
    let mut here = signed_in(&server, true).await;
    reauthenticated(&server, &mut here, true).await;
    let cookie = here.cookie.clone().expect("a session cookie");
    // Gone after 1 ms: the server may not even have read it, or may be half-way.
    let quick = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(1))
        .build()
        .unwrap();
    for _ in 0..5 {
        let _ = quick
            .post(format!("{}/api/two-factor/off", server.base))
            .header("Accept", "application/json")
            .header("Cookie", format!("{}={cookie}", common::COOKIE_NAME))
            .send()
            .await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(here.whoami().await.as_deref(), Some("anna"));
    let anna = app::backend::store::users::by_username(&server.state.pool, "anna")
        .await
        .unwrap()
        .unwrap();
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE target_id = $1 AND action = 'two_factor_off'",
    )
    .bind(anna.id)
    .fetch_one(&server.state.pool)
    .await
    .unwrap();
    match anna.two_factor_method {
        None => assert_eq!(audited, 1, "off, and said so once in the trail"),
        Some(_) => assert_eq!(audited, 0, "still on, and nothing in the trail"),
    }
}
