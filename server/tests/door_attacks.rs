//! The door as an attacker meets it (SPEC 1.6, issue 10): guesses counted per account
//! whatever the DeviceId, no oracle past the limit, working phones kept working without a
//! hash, unknown names as costly as known ones, bounded memory under a flood, a WBXML
//! string-table bomb refused at once, and cached checks dropped when an email changes.
//! Work is counted in argon2 verifications, never in time.

mod common;

use app::backend::activesync::gate::{Gate, Outcome};
use app::backend::store::{devices, users};
use common::TestServer;
use reqwest::StatusCode;
use server::eas::auth::authenticate;

const LOGIN: &str = "anna-password-1";
const DOOR: &str = "/Microsoft-Server-ActiveSync";

async fn anna(server: &TestServer) -> app::domain::ids::UserId {
    let id = server.add_user("anna", LOGIN, false).await;
    users::set_activesync_enabled(&server.state.pool, id, true, 0)
        .await
        .unwrap();
    id
}

/// A FolderSync from `device`, as a phone sends it; `forwarded` sets X-Forwarded-For.
async fn knock(
    server: &TestServer,
    device: &str,
    user: &str,
    password: &str,
    forwarded: Option<&str>,
) -> reqwest::Response {
    let mut r = reqwest::Client::new()
        .post(format!(
            "{}{DOOR}?Cmd=FolderSync&User=x&DeviceId={device}&DeviceType=Phone",
            server.base
        ))
        .basic_auth(user, Some(password))
        .header("MS-ASProtocolVersion", "16.1")
        .header("Content-Type", "application/vnd.ms-sync.wbxml")
        // <FolderSync><SyncKey>0</SyncKey></FolderSync>
        .body(vec![
            0x03, 0x01, 0x6A, 0x00, 0x00, 0x07, 0x56, 0x52, 0x03, b'0', 0x00, 0x01, 0x01,
        ]);
    if let Some(f) = forwarded {
        r = r.header("X-Forwarded-For", f);
    }
    r.send().await.unwrap()
}

fn hashes(server: &TestServer) -> u64 {
    server.state.hasher.verifications()
}

#[tokio::test]
async fn cycling_device_ids_buys_five_guesses_and_then_no_answer_tells_anything() {
    let server = TestServer::start().await;
    let id = anna(&server).await;
    // Her phone signed in this morning.
    assert_eq!(
        knock(&server, "HERPHONE", "anna", LOGIN, None)
            .await
            .status(),
        StatusCode::OK
    );

    let before = hashes(&server);
    let mut statuses = Vec::new();
    for n in 0..30 {
        let r = knock(
            &server,
            &format!("GUESS{n}"),
            "anna",
            &format!("guess-{n}"),
            None,
        )
        .await;
        statuses.push(r.status());
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count(),
        5,
        "{statuses:?}"
    );
    assert!(statuses[5..]
        .iter()
        .all(|s| *s == StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(
        hashes(&server) - before,
        5,
        "nothing checked past the limit"
    );

    // The right password from a new device is not told apart from a wrong one.
    let r = knock(&server, "ATTACKER", "anna", LOGIN, None).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    // Nor under another form of her name.
    for name in ["CORP\\anna", "anna@example.it", "ANNA"] {
        assert_eq!(
            knock(&server, "ATTACKER2", name, "another-guess", None)
                .await
                .status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "{name}"
        );
    }
    // Her phone keeps working, without a new hash.
    let before = hashes(&server);
    assert_eq!(
        knock(&server, "HERPHONE", "anna", LOGIN, None)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(hashes(&server), before, "the phone's good check is cached");
    // The console has its own throttle: she signs in.
    server.signed_in("anna", LOGIN).await;

    // After the wait, one more guess is checked, and the next wait is twice as long.
    server.clock.advance(30);
    assert_eq!(
        knock(&server, "GUESS99", "anna", "guess-99", None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let r = knock(&server, "GUESS100", "anna", "guess-100", None).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers()["retry-after"], "60");
    let _ = id;
}

#[tokio::test]
async fn an_old_password_on_a_phone_counts_once_and_costs_one_hash() {
    let server = TestServer::start().await;
    let id = anna(&server).await;
    assert_eq!(
        knock(&server, "OLDPHONE", "anna", LOGIN, None)
            .await
            .status(),
        StatusCode::OK
    );
    let before = hashes(&server);
    for _ in 0..20 {
        assert_eq!(
            knock(&server, "OLDPHONE", "anna", "anna-password-0", None)
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        hashes(&server) - before,
        1,
        "a known wrong password is not hashed again"
    );
    let device = devices::find(&server.state.pool, id, "OLDPHONE")
        .await
        .unwrap()
        .unwrap();
    assert!(device.old_password, "marked: uses an old password");
    // Four more distinct wrong passwords make five: the sixth is not checked.
    for n in 0..4 {
        assert_eq!(
            knock(&server, "OLDPHONE", "anna", &format!("guess-{n}"), None)
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        knock(&server, "OTHER", "anna", "guess-9", None)
            .await
            .status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn unknown_names_cost_a_hash_like_known_ones_and_are_throttled_per_address() {
    let server = TestServer::start().await;
    let id = anna(&server).await;
    // With a sync password (2FA on), a wrong password still costs one hash: the same work
    // as for a name that does not exist.
    users::set_two_factor(&server.state.pool, id, Some("email"), 0)
        .await
        .unwrap();
    let sealed = server.state.secrets.seal(id, "phone-secret-42");
    users::set_sync_password(&server.state.pool, id, Some(&sealed), 0)
        .await
        .unwrap();
    server.state.credentials.bump_user(id);
    let before = hashes(&server);
    assert_eq!(
        knock(&server, "P1", "anna", "wrong-one", None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(hashes(&server) - before, 1, "known name, wrong password");
    let before = hashes(&server);
    assert_eq!(
        knock(&server, "P1", "nobody", "wrong-one", None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(hashes(&server) - before, 1, "unknown name");

    // One address trying names: 20 are checked, then it waits.
    for n in 1..20 {
        assert_eq!(
            knock(&server, "P1", &format!("nobody{n}"), "x", None)
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        knock(&server, "P1", "nobody-else", "x", None)
            .await
            .status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    // Without trusted proxies a forged X-Forwarded-For changes nothing.
    assert_eq!(
        knock(&server, "P1", "nobody-else", "x", Some("198.51.100.9"))
            .await
            .status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_address_is_counted_apart() {
    let server = TestServer::start_behind_proxy("127.0.0.1").await;
    let id = anna(&server).await;
    for n in 0..20 {
        let r = knock(
            &server,
            "P1",
            &format!("nobody{n}"),
            "x",
            Some("198.51.100.1"),
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        knock(&server, "P1", "nobody-else", "x", Some("198.51.100.1"))
            .await
            .status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        knock(
            &server,
            "P1",
            "nobody-else",
            "x",
            Some("6.6.6.6, 198.51.100.2")
        )
        .await
        .status(),
        StatusCode::UNAUTHORIZED,
        "another client behind the proxy"
    );
    // The Devices list shows the client's address, not the proxy's.
    assert_eq!(
        knock(&server, "PHONE", "anna", LOGIN, Some("203.0.113.5"))
            .await
            .status(),
        StatusCode::OK
    );
    let device = devices::find(&server.state.pool, id, "PHONE")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(device.last_address, "203.0.113.5");
}

#[tokio::test]
async fn a_flood_of_wrong_passwords_leaves_memory_bounded_and_phones_cached() {
    let server = TestServer::start().await;
    anna(&server).await;
    server.add_user("bruno", "bruno-password-1", false).await;
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
    assert!(matches!(
        check(phone, "HERPHONE".into(), "10.0.0.1").await,
        Outcome::Allowed(_)
    ));
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
    users::set_password(&server.state.pool, id, &hash, true, 1)
        .await
        .unwrap();
    assert_eq!(
        knock(&server, "P1", "anna", "one-time-pass-1", None)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

fn base64_encode(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// OPTIONS carries no DeviceId: what a phone's OPTIONS left in the cache must not become a
/// free oracle once the account is locked.
async fn options(server: &TestServer, user: &str, password: &str) -> StatusCode {
    reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, format!("{}{DOOR}", server.base))
        .basic_auth(user, Some(password))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_locked_account_cannot_be_guessed_against_the_cache() {
    let server = TestServer::start().await;
    anna(&server).await;
    assert_eq!(options(&server, "anna", LOGIN).await, StatusCode::OK);
    assert_eq!(
        knock(&server, "HERPHONE", "anna", LOGIN, None)
            .await
            .status(),
        StatusCode::OK
    );
    for n in 0..5 {
        knock(
            &server,
            &format!("G{n}"),
            "anna",
            &format!("guess-{n}"),
            None,
        )
        .await;
    }
    // Locked. Guesses without a DeviceId count against that empty "device"...
    for n in 0..5 {
        assert_eq!(
            options(&server, "anna", &format!("more-{n}")).await,
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
    // ...so the right password there is no longer told apart either.
    assert_eq!(
        options(&server, "anna", LOGIN).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    // Her phone, which nobody guessed under, keeps working.
    assert_eq!(
        knock(&server, "HERPHONE", "anna", LOGIN, None)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_name_that_matches_nobody_locks_like_a_real_one() {
    let server = TestServer::start().await;
    anna(&server).await;
    let mut answers = Vec::new();
    for name in ["anna", "nobody"] {
        let mut statuses = Vec::new();
        for n in 0..6 {
            let device = format!("D{n}");
            statuses.push(
                knock(&server, &device, name, &format!("guess-{n}"), None)
                    .await
                    .status(),
            );
        }
        answers.push(statuses);
    }
    assert_eq!(answers[0], answers[1], "the same answers: no enumeration");
    assert_eq!(answers[0][5], StatusCode::SERVICE_UNAVAILABLE);
}
