//! The console as an attacker meets it (SPEC 1.4–1.6, issue 10): guesses reserved before the
//! hash, no lock-out a stranger can extend, the owner elsewhere unaffected, `?next=` kept on
//! the site, cross-site posts refused, security headers, honest statuses. The ways around the
//! login page are in `account_hardening.rs`.

mod common;

use common::TestServer;
use reqwest::StatusCode;
use serde_json::json;

const LOGIN: &str = "anna-password-1";

#[tokio::test]
async fn a_hundred_concurrent_guesses_get_five_checks() {
    let server = TestServer::start().await;
    server.add_user("anna", LOGIN, false).await;
    let before = server.state.hasher.verifications();
    let mut set = tokio::task::JoinSet::new();
    for n in 0..100 {
        let mut b = server.browser();
        set.spawn(async move { b.login("anna", &format!("guess-{n}")).await.status });
    }
    let mut statuses = Vec::new();
    while let Some(s) = set.join_next().await {
        statuses.push(s.unwrap());
    }
    let failed = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let waited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((failed, waited), (5, 95), "{statuses:?}");
    assert_eq!(server.state.hasher.verifications() - before, 5);
}

#[tokio::test]
async fn concurrent_reauthentication_guesses_get_five_checks() {
    let server = TestServer::start().await;
    server.add_user("anna", LOGIN, false).await;
    let b = server.signed_in("anna", LOGIN).await;
    let cookie = b.cookie.clone();
    let before = server.state.hasher.verifications();
    let mut set = tokio::task::JoinSet::new();
    for n in 0..100 {
        let mut b = server.browser();
        b.cookie = cookie.clone();
        set.spawn(async move { b.reauth(&format!("guess-{n}"), None).await.status });
    }
    let mut wrong = 0;
    while let Some(s) = set.join_next().await {
        if s.unwrap() == StatusCode::UNPROCESSABLE_ENTITY {
            wrong += 1;
        }
    }
    assert_eq!(wrong, 5);
    assert_eq!(server.state.hasher.verifications() - before, 5);
}

#[tokio::test]
async fn over_long_passwords_cannot_keep_a_victim_locked() {
    let server = TestServer::start().await;
    server.add_user("anna", LOGIN, false).await;
    let mut stranger = server.browser();
    // The same wrong password again and again costs one hash, not one each.
    let before = server.state.hasher.verifications();
    for _ in 0..20 {
        assert_eq!(
            stranger.login("anna", "guess-0").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(server.state.hasher.verifications() - before, 1);
    for n in 1..5 {
        stranger.login("anna", &format!("guess-{n}")).await;
    }
    let long = "x".repeat(5000);
    for _ in 0..10 {
        let r = stranger.login("anna", &long).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers["retry-after"], "30");
    }
    // The lock was not extended: after its 30 s the owner signs in.
    server.clock.advance(30);
    let mut owner = server.browser();
    let r = owner.login("anna", LOGIN).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn the_owner_signs_in_from_elsewhere_while_a_stranger_is_locked_out() {
    let server = TestServer::start_behind_proxy("127.0.0.1").await;
    server.add_user("anna", LOGIN, false).await;
    let mut stranger = server.browser();
    let from = |a: &'static str| [("X-Forwarded-For", a)];
    for n in 0..6 {
        stranger
            .call_with(
                "login",
                &[("username", "anna"), ("password", &format!("guess-{n}"))],
                &from("198.51.100.66"),
            )
            .await;
    }
    let r = stranger
        .call_with(
            "login",
            &[("username", "anna"), ("password", LOGIN)],
            &from("198.51.100.66"),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let mut owner = server.browser();
    let r = owner
        .call_with(
            "login",
            &[("username", "anna"), ("password", LOGIN)],
            &from("203.0.113.7"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The audit trail records the client, not the proxy.
    let r = owner
        .call_with(
            "reauth",
            &[("reauth_password", LOGIN)],
            &from("203.0.113.7"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = owner
        .call_with(
            "me/password",
            &[
                ("new_password", "anna-password-2"),
                ("confirm_password", "anna-password-2"),
            ],
            &from("203.0.113.7"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (address,): (String,) =
        sqlx::query_as("SELECT address FROM audit_events WHERE action = 'password_changed'")
            .fetch_one(&server.state.pool)
            .await
            .unwrap();
    assert_eq!(address, "203.0.113.7");
}

#[tokio::test]
async fn next_never_leaves_the_site_and_never_breaks_the_connection() {
    let server = TestServer::start().await;
    server.add_user("anna", LOGIN, false).await;
    let mut b = server.signed_in("anna", LOGIN).await;
    for next in [
        "/%09/evil.example",
        "//evil.example",
        "/%5Cevil.example",
        "https://evil.example",
        "/%0A",
        "/%0D%0ASet-Cookie:%20x=1",
    ] {
        let r = b.get(&format!("/login?next={next}")).await;
        assert!(r.status.is_redirection(), "{next}: {}", r.status);
        assert_eq!(r.location.as_deref(), Some("/preferences"), "{next}");
    }
    let r = b.get("/login?next=/admin/users").await;
    assert_eq!(r.location.as_deref(), Some("/admin/users"));
}

#[tokio::test]
async fn cross_site_posts_are_refused_and_same_site_ones_pass() {
    let server = TestServer::start().await;
    server.add_user("anna", LOGIN, false).await;
    let mut b = server.browser();
    let form = [("username", "anna"), ("password", LOGIN)];
    let r = b
        .call_with("login", &form, &[("Origin", "https://evil.example")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(b.cookie.is_none(), "no session was made (login CSRF)");
    let r = b
        .call_with("login", &form, &[("Sec-Fetch-Site", "cross-site")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = b
        .call_with("login", &form, &[("Origin", "https://crm.example.it")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn pages_carry_security_headers_and_a_nonce_policy() {
    let server = TestServer::start().await;
    let mut b = server.browser();
    let page = b.get("/login").await;
    let h = &page.headers;
    let csp = h["content-security-policy"].to_str().unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .expect("a nonce in the policy");
    assert!(csp.contains("script-src 'self' 'nonce-"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(
        page.body.contains(&format!("nonce=\"{nonce}\"")),
        "the hydration script carries the page's nonce"
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert_eq!(h["cache-control"], "no-store");
    let again = b.get("/login").await;
    assert_ne!(
        again.headers["content-security-policy"], h["content-security-policy"],
        "a new nonce for every page"
    );
    let api = b.call("whoami", &[]).await;
    assert_eq!(api.headers["cache-control"], "no-store");
    assert_eq!(api.headers["x-content-type-options"], "nosniff");
}

/// Issue 25: `<html>` said its language twice, and the preloads carried the nonce as their
/// CORS mode (`crossorigin="<nonce>"`), which the browser reads as "anonymous" only by luck.
#[tokio::test]
async fn the_served_html_says_its_language_once_and_keeps_the_nonce_out_of_crossorigin() {
    let server = TestServer::start().await;
    server.add_user("anna", LOGIN, false).await;
    let mut b = server.browser();
    b.lang = Some("it");
    let login = b.get("/login").await;
    b.login("anna", LOGIN).await;
    let prefs = b.get("/preferences").await;
    assert_eq!(prefs.status, StatusCode::OK);
    for page in [login, prefs] {
        let html_tag = page
            .body
            .split("<html")
            .nth(1)
            .and_then(|rest| rest.split('>').next())
            .expect("an <html> tag");
        assert_eq!(html_tag.matches("lang=").count(), 1, "<html{html_tag}>");
        assert!(html_tag.contains(r#"lang="it""#), "<html{html_tag}>");
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|s| s.split('\'').next())
            .expect("a nonce in the policy");
        let preloads: Vec<&str> = page
            .body
            .split("<link")
            .skip(1)
            .filter_map(|l| l.split('>').next())
            .filter(|l| l.contains("preload"))
            .collect();
        assert_eq!(preloads.len(), 2, "{preloads:?}");
        for link in preloads {
            assert!(!link.contains(nonce), "{link}");
            assert!(link.contains(r#"crossorigin="anonymous""#), "{link}");
        }
    }
}

#[tokio::test]
async fn client_errors_answer_4xx_and_say_why() {
    let server = TestServer::start().await;
    server.add_user("anna", LOGIN, false).await;
    let mut b = server.browser();
    let r = b.login("anna", "wrong").await;
    assert_eq!(
        (r.status, r.json()),
        (StatusCode::UNAUTHORIZED, json!("LoginFailed"))
    );
    let r = b.call("login", &[("username", "anna")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "malformed: {}", r.body);
    let r = b.call("no-such-function", &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = b.call("me/profile", &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = b.call("users/get", &[("id", "1")]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let mut anna = server.signed_in("anna", LOGIN).await;
    let r = anna.call("users/list", &[]).await;
    assert_eq!(
        (r.status, r.json()),
        (StatusCode::FORBIDDEN, json!("Forbidden"))
    );
    let r = anna.call("activesync/view", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    anna.reauth(LOGIN, None).await;
    let r = anna
        .call(
            "me/password",
            &[("new_password", "short"), ("confirm_password", "short")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut admin = server.signed_in_admin().await;
    let r = admin.call("users/get", &[("id", "999")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    for n in 0..5 {
        b.login("anna", &format!("guess-{n}")).await;
    }
    let r = b.login("anna", LOGIN).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        r.headers["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 0
    );
}
