//! The ActiveSync door over real HTTP (MS-ASHTTP): authentication by the SPEC 1.1 policy on
//! every request, the three ways to write a user, the request line in both forms, and the
//! cache's invalidation. The commands are in `door_commands.rs`, Autodiscover in
//! `autodiscover.rs`, the attacks in `door_attacks.rs`.

mod common;

use app::backend::activesync::sync_password::NewSyncPassword;
use app::backend::identity::proofs::{Admin, Reauthenticated};
use app::backend::store::{devices, users};
use common::door::{anna, options, post, status, DOOR, LOGIN, SYNC};
use common::TestServer;
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn without_credentials_the_door_asks_for_basic() {
    let server = TestServer::start().await;
    let r = reqwest::Client::new()
        .request(Method::OPTIONS, format!("{}{DOOR}", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.headers()["www-authenticate"],
        "Basic realm=\"ActiveSync\""
    );
}

#[tokio::test]
async fn options_lists_what_the_door_speaks() {
    let server = TestServer::start().await;
    anna(&server, true, false, false).await;
    let r = options(&server, "anna", LOGIN).await;
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers();
    assert_eq!(h["public"], "OPTIONS,POST");
    assert_eq!(h["allow"], "OPTIONS,POST");
    assert_eq!(h["ms-asprotocolversions"], "14.0,14.1,16.0,16.1");
    let commands = h["ms-asprotocolcommands"].to_str().unwrap();
    for c in [
        "Sync",
        "Ping",
        "GetItemEstimate",
        "ItemOperations",
        "Search",
        "MeetingResponse",
    ] {
        assert!(commands.split(',').any(|x| x == c), "{c} in {commands}");
    }
    assert!(!commands.contains("GetAttachment"), "not answered yet");
    assert!(h["ms-asprotocolcommands"]
        .to_str()
        .unwrap()
        .contains("FolderSync"));
    assert!(h.contains_key("ms-server-activesync"));
}

/// SPEC 1.1 row by row through the door: (A, T, S) → login password, sync password, a wrong one.
#[tokio::test]
async fn every_row_of_the_policy_through_the_door() {
    use StatusCode as S;
    let rows = [
        ((false, false, false), (S::FORBIDDEN, S::UNAUTHORIZED)),
        ((false, false, true), (S::FORBIDDEN, S::FORBIDDEN)),
        ((false, true, false), (S::FORBIDDEN, S::UNAUTHORIZED)),
        ((false, true, true), (S::FORBIDDEN, S::FORBIDDEN)),
        ((true, false, false), (S::OK, S::UNAUTHORIZED)),
        ((true, false, true), (S::UNAUTHORIZED, S::OK)),
        ((true, true, false), (S::FORBIDDEN, S::UNAUTHORIZED)),
        ((true, true, true), (S::UNAUTHORIZED, S::OK)),
    ];
    for ((a, t, s), (login, sync)) in rows {
        let server = TestServer::start().await;
        anna(&server, a, t, s).await;
        assert_eq!(
            status(&server, "anna", LOGIN).await,
            login,
            "A={a} T={t} S={s}: login password"
        );
        assert_eq!(
            status(&server, "anna", SYNC).await,
            sync,
            "A={a} T={t} S={s}: sync password"
        );
        assert_eq!(
            status(&server, "anna", "not-a-password").await,
            S::UNAUTHORIZED,
            "A={a} T={t} S={s}: wrong password"
        );
    }
}

#[tokio::test]
async fn an_inactive_user_or_the_service_switched_off_is_403() {
    let server = TestServer::start().await;
    let id = anna(&server, true, false, false).await;
    assert_eq!(status(&server, "anna", LOGIN).await, StatusCode::OK);
    // Through the backend, as the console does: cached checks follow at once.
    let cli = app::backend::audit::Origin::command_line();
    let admin = Admin::at_the_command_line();
    let reauth = Reauthenticated::at_the_command_line();
    app::backend::organisation::set_activesync_service(&server.state, &admin, &cli, false)
        .await
        .unwrap();
    assert_eq!(status(&server, "anna", LOGIN).await, StatusCode::FORBIDDEN);
    app::backend::organisation::set_activesync_service(&server.state, &admin, &cli, true)
        .await
        .unwrap();
    assert_eq!(status(&server, "anna", LOGIN).await, StatusCode::OK);
    let (state, reauth) = (&server.state, Some(&reauth));
    app::backend::identity::accounts::set_active(state, &admin, reauth, &cli, id, false)
        .await
        .unwrap();
    assert_eq!(status(&server, "anna", LOGIN).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_three_ways_to_write_the_user() {
    let server = TestServer::start().await;
    anna(&server, true, false, false).await;
    for name in ["anna", "ANNA", "CORP\\anna", "anna@example.it"] {
        assert_eq!(status(&server, name, LOGIN).await, StatusCode::OK, "{name}");
    }
    assert_eq!(
        status(&server, "nobody@example.it", LOGIN).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_cache_forgets_a_password_the_moment_it_changes() {
    let server = TestServer::start().await;
    let id = anna(&server, true, true, true).await;
    assert_eq!(status(&server, "anna", SYNC).await, StatusCode::OK);
    let hashed = server.state.hasher.verifications();
    assert_eq!(
        status(&server, "anna", SYNC).await,
        StatusCode::OK,
        "from the cache"
    );
    assert_eq!(
        server.state.hasher.verifications(),
        hashed,
        "a cache hit costs no hash"
    );
    // Through the backend, as the console changes it: the cache is dropped once committed.
    let user = users::by_id(&server.state.pool, id).await.unwrap().unwrap();
    app::backend::activesync::sync_password::change(
        &server.state,
        &user,
        &Reauthenticated::at_the_command_line(),
        &app::backend::audit::Origin::command_line(),
        NewSyncPassword {
            new: zeroize::Zeroizing::new("phone-secret-new".into()),
            confirm: zeroize::Zeroizing::new("phone-secret-new".into()),
        },
        app::i18n::Lang::En,
    )
    .await
    .unwrap();
    assert_eq!(
        status(&server, "anna", SYNC).await,
        StatusCode::UNAUTHORIZED,
        "old one, at once"
    );
    assert_eq!(
        status(&server, "anna", "phone-secret-new").await,
        StatusCode::OK
    );
    // Turning ActiveSync off is seen at once too.
    app::backend::activesync::sync_password::set_enabled(
        &server.state,
        &Admin::at_the_command_line(),
        &app::backend::audit::Origin::command_line(),
        id,
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        status(&server, "anna", "phone-secret-new").await,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn request_lines_in_both_forms_and_bad_ones() {
    let server = TestServer::start().await;
    anna(&server, true, false, false).await;
    let auth = ("anna", LOGIN);
    // MS-ASHTTP's base64 example: version 14.0, Sync, device v140Device, type SmartPhone.
    let r = post(
        &server,
        "jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l",
        auth,
        None,
        vec![],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "14.0 is spoken");
    let body = r.bytes().await.unwrap();
    let answer = server::eas::wbxml::decode(&body).unwrap();
    assert_eq!(
        answer.get_text("AirSync", "Status"),
        Some("142"),
        "an empty Sync of a device that never provisioned: provision first"
    );
    let row = devices::find(
        &server.state.pool,
        app::domain::ids::UserId(1),
        "v140Device",
    )
    .await
    .unwrap();
    assert_eq!(
        row.map(|d| (d.device_type, d.protocol_version)),
        Some(("SmartPhone".into(), "14.0".into()))
    );

    let r = post(
        &server,
        "Cmd=GetAttachment&User=anna&DeviceId=dev1&DeviceType=Phone",
        auth,
        None,
        vec![],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_IMPLEMENTED);
    let r = post(
        &server,
        "Cmd=Dance&User=anna&DeviceId=dev1&DeviceType=Phone",
        auth,
        None,
        vec![],
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.text().await.unwrap().trim(), "Unknown command.");
    let r = post(
        &server,
        "Cmd=FolderSync&User=anna&DeviceType=Phone",
        auth,
        None,
        vec![],
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("no device id"));
    let r = post(
        &server,
        "Cmd=Provision&User=anna&DeviceId=dev1&DeviceType=Phone",
        auth,
        None,
        vec![3, 1, 0x6A, 0, 0x45],
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("not valid WBXML"));
    // Without credentials a bad request still only gets 401.
    let r = reqwest::Client::new()
        .post(format!("{}{DOOR}?Cmd=Dance", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
