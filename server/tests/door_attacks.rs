//! The door as an attacker meets it (SPEC 1.6, issue 10): guesses counted per account
//! whatever the DeviceId, no oracle past the limit, working phones kept working without a
//! hash, unknown names as costly as known ones, addresses behind a proxy counted apart, a
//! locked account not guessable against the cache. Floods, bombs and credential changes are
//! in `door_limits.rs`. Work is counted in argon2 verifications, never in time.

mod common;

use app::backend::store::{devices, users};
use common::guessing::{anna, hashes, knock, options, LOGIN};
use common::TestServer;
use reqwest::StatusCode;

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
    users::set_two_factor(&server.state.pool, id, (None, Some("email")), None, 0)
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
