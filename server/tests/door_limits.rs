//! The door under load and after changes (SPEC 1.6, issue 10): a flood of wrong passwords
//! leaves memory bounded and phones cached, a WBXML string-table bomb is refused at once,
//! cached checks go when an email changes, a one-time password opens no door.
//! Work is counted in argon2 verifications, never in time.

mod common;

use app::backend::activesync::gate::{Gate, Outcome};
use app::backend::store::users;
use common::guessing::{anna, base64_encode, hashes, knock, DOOR, LOGIN};
use common::TestServer;
use reqwest::StatusCode;
use server::eas::auth::authenticate;

#[tokio::test]
async fn a_flood_of_wrong_passwords_leaves_memory_bounded_and_phones_cached() {
    let server = TestServer::start().await;
    anna(&server).await;
    server.add_user("bruno", "bruno-password-1", false).await;
    // The setup wrote to the database directly; the door's look at it every 2 s would outdate
    // her phone's check once it noticed. Let it notice first.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let gate = Gate::default();
    let basic = |user: &str, password: &str| {
        format!(
            "Basic {}",
            base64_encode(format!("{user}:{password}").as_bytes())
        )
    };
    let phone = basic("anna", LOGIN);
    let check = |authorization: String, device: String, address: &'static str| {
        let address: std::net::IpAddr = address.parse().unwrap();
        let gate = &gate;
        let state = &server.state;
        async move {
            let mut headers = axum::http::HeaderMap::new();
            let value = authorization.parse().expect("a header value");
            headers.insert(axum::http::header::AUTHORIZATION, value);
            authenticate(gate, state, &headers, Some(&device), address).await
        }
    };
    assert!(matches!(
        check(phone.clone(), "HERPHONE".into(), "10.0.0.1").await,
        Outcome::Allowed(_)
    ));
    let before = hashes(&server);
    for n in 0..100_000u32 {
        // Distinct devices and passwords, against two accounts and unknown names.
        let user = match n % 3 {
            0 => "anna".to_string(),
            1 => "bruno".to_string(),
            _ => format!("nobody{n}"),
        };
        let outcome = check(
            basic(&user, &format!("guess-{n}")),
            format!("DEV{n}"),
            "10.9.9.9",
        )
        .await;
        assert!(!matches!(outcome, Outcome::Allowed(_)));
    }
    let flood_hashes = hashes(&server) - before;
    assert!(
        flood_hashes <= 5 + 5 + 20,
        "five per account, twenty per address: {flood_hashes}"
    );
    let [good, wrong, accounts, addresses] = gate.sizes();
    assert_eq!(good, 1);
    assert!(
        wrong <= 30 && accounts <= 2 && addresses <= 1,
        "{:?}",
        gate.sizes()
    );
    // Her phone is still a cached good check: no hash.
    let before = hashes(&server);
    let outcome = check(phone, "HERPHONE".into(), "10.0.0.1").await;
    assert!(matches!(outcome, Outcome::Allowed(_)), "{outcome:?}");
    assert_eq!(hashes(&server), before);
}

#[tokio::test]
async fn a_string_table_bomb_gets_400_at_once() {
    let server = TestServer::start().await;
    anna(&server).await;
    // 512 KiB of table, then references to all of it until the body is 1 MiB.
    let mut body = vec![0x03, 0x01, 0x6A, 0x80 | 0x20, 0x80, 0x01];
    // mb_u32 of 512 Ki + 1 = 0x80001: 0xA0 0x80 0x01.
    body.extend(std::iter::repeat_n(b'A', 512 * 1024));
    body.push(0);
    body.extend_from_slice(&[0x00, 0x07, 0x16 | 0x40]);
    while body.len() < (1 << 20) - 4 {
        body.extend_from_slice(&[0x83, 0x00]);
    }
    body.push(0x01);
    let r = reqwest::Client::new()
        .post(format!(
            "{}{DOOR}?Cmd=FolderSync&User=anna&DeviceId=BOMB&DeviceType=Phone",
            server.base
        ))
        .basic_auth("anna", Some(LOGIN))
        .header("MS-ASProtocolVersion", "16.1")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("more than its own size"));
}

#[tokio::test]
async fn a_changed_email_drops_checks_cached_under_the_old_address() {
    let server = TestServer::start().await;
    let id = anna(&server).await;
    assert_eq!(
        knock(&server, "P1", "anna@example.it", LOGIN, None)
            .await
            .status(),
        StatusCode::OK
    );
    // She changes it in the console, as a person does.
    let mut b = server.signed_in("anna", LOGIN).await;
    b.reauth(LOGIN, None).await;
    let r = server.change_email(&mut b, "anna.new@example.it").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let _ = id;
    assert_eq!(
        knock(&server, "P1", "anna@example.it", LOGIN, None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED,
        "the old address reaches nobody now"
    );
    assert_eq!(
        knock(&server, "P1", "anna.new@example.it", LOGIN, None)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_one_time_password_opens_no_door() {
    let server = TestServer::start().await;
    let id = anna(&server).await;
    let hash = app::backend::identity::passwords::hash_now("one-time-pass-1").unwrap();
    users::set_password(&server.state.pool, id, &hash, true, None, 1)
        .await
        .unwrap();
    assert_eq!(
        knock(&server, "P1", "anna", "one-time-pass-1", None)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}
