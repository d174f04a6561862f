//! Mail delivery set on /admin/settings (issue 17): an Office 365-like server (SMTP with
//! `AUTH XOAUTH2`) and a real OAuth2 token endpoint on loopback; the client secret's expiry
//! reminders on an injected clock.

mod common;

use app::backend::clock::Clock;
use common::oauth::{CLIENT_ID, CLIENT_SECRET, TENANT};
use common::{Browser, TestServer, ADMIN_PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

const DAY: i64 = 86_400;

/// The settings form an admin fills for Office 365 (`overrides` replace fields).
fn office365(server: &TestServer, overrides: &[(&str, &str)]) -> Value {
    let endpoint = server.token_endpoint.as_ref().expect("a token endpoint");
    let mut form = json!({
        "host": "127.0.0.1",
        "port": server.smtp.port.to_string(),
        "security": "none",
        "from_address": "noreply@contoso.it",
        "from_name": "CRM Contoso",
        "sign_in": "oauth2",
        "username": "",
        "password": "",
        "tenant_id": TENANT,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "secret_expires_on": date_in(server, 365),
        "token_url": endpoint.url(TENANT),
    });
    for (k, v) in overrides {
        form[*k] = json!(v);
    }
    json!({ "form": form })
}

/// An admin with an address (for the test email), signed in and freshly re-authenticated.
async fn admin(server: &TestServer) -> Browser {
    server.add_user("boss", "boss-password-1", true).await;
    let mut b = server.signed_in("boss", "boss-password-1").await;
    let r = b.reauth("boss-password-1", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    b
}

async fn save(b: &mut Browser, form: &Value) -> common::Reply {
    b.call_json("settings/mail-save", form).await
}

fn date_in(server: &TestServer, days: i64) -> String {
    let today = server.clock.now().div_euclid(DAY);
    app::domain::date::Date::from_days_since_epoch(today + days)
        .expect("a date")
        .to_string()
}

#[tokio::test]
async fn mail_goes_out_through_office365_with_one_token_for_several_mails() {
    let server = TestServer::start_with_console_mail().await;
    let mut b = admin(&server).await;
    let before = b.call("settings/mail", &[]).await;
    assert_eq!(before.json()["source"], "Outbox", "{}", before.body);

    let r = save(&mut b, &office365(&server, &[])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let saved = r.json();
    assert_eq!(saved["source"], "Console");
    assert_eq!(saved["client_secret_saved"], true);
    assert!(
        !r.body.contains(CLIENT_SECRET),
        "the secret is never sent back"
    );
    let shown = b.call("settings/mail", &[]).await;
    assert!(!shown.body.contains(CLIENT_SECRET));
    assert_eq!(shown.json()["client_id"], CLIENT_ID);

    // Sealed at rest: the database does not hold the secret's bytes.
    let (stored,): (Vec<u8>,) =
        sqlx::query_as("SELECT client_secret_ciphertext FROM mail_settings WHERE id = 1")
            .fetch_one(&server.state.pool)
            .await
            .unwrap();
    assert!(!String::from_utf8_lossy(&stored).contains("client-secret"));

    // A security code mail to a user, then a second one: both through XOAUTH2, one token.
    server.add_user("anna", "anna-password-1", false).await;
    let mut anna = server.signed_in("anna", "anna-password-1").await;
    let r = anna.reauth("anna-password-1", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = anna.call("two-factor/enrol", &[("resend", "false")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let code = server.latest_code("anna@example.it");
    let r = anna.call("two-factor/confirm", &[("code", &code)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mail = server
        .wait_for_mail("anna@example.it", "Two-factor authentication turned on")
        .await;
    assert!(
        mail.contains("From: \"CRM Contoso\" <noreply@contoso.it>"),
        "the sender saved on the page: {mail}"
    );
    let endpoint = server.token_endpoint.as_ref().unwrap();
    assert_eq!(endpoint.grants(), 1, "the token is kept for the next mails");

    // The test email: every step, in order, and accepted.
    let r = b.call("settings/mail-test", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let report = r.json();
    assert_eq!(report["to"], "boss@example.it");
    assert!(report["failure"].is_null(), "{}", r.body);
    let steps: Vec<String> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| match s {
            Value::String(s) => s.clone(),
            Value::Object(o) => o.keys().next().unwrap().clone(),
            _ => String::new(),
        })
        .collect();
    assert_eq!(
        steps,
        [
            "Resolved",
            "Connected",
            "TokenObtained",
            "SignedIn",
            "Accepted"
        ],
        "{}",
        r.body
    );
    server
        .wait_for_mail("boss@example.it", "This is a test email from syncgate")
        .await;
    assert_eq!(endpoint.grants(), 1);

    // Audited, without the secret.
    let audit = b.call("settings/audit", &[]).await;
    assert!(audit.body.contains("MailSettingsChanged"), "{}", audit.body);
    assert!(!audit.body.contains(CLIENT_SECRET));
}

#[tokio::test]
async fn a_wrong_client_secret_is_diagnosed_and_sends_nothing() {
    let server = TestServer::start_with_console_mail().await;
    let mut b = admin(&server).await;
    let wrong = "Wrong~secret-value-123";
    let r = save(&mut b, &office365(&server, &[("client_secret", wrong)])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = b.call("settings/mail-test", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let failure = &r.json()["failure"];
    assert_eq!(failure["at"], "Token", "{}", r.body);
    assert_eq!(failure["token"], "WrongSecret");
    assert_eq!(failure["code"], "AADSTS7000215");
    assert!(
        !r.body.contains(wrong),
        "the endpoint echoed it; the page never shows it"
    );
    assert!(server.smtp.messages().is_empty(), "nothing was sent");
    assert_eq!(server.token_endpoint.as_ref().unwrap().grants(), 0);

    // A wrong tenant and a wrong client id say so too.
    let r = save(
        &mut b,
        &office365(&server, &[("client_id", "ffffffff-0000")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = b.call("settings/mail-test", &[]).await;
    assert_eq!(r.json()["failure"]["token"], "UnknownClient", "{}", r.body);
}

#[tokio::test]
async fn a_refused_token_at_the_mail_server_says_sign_in() {
    let server = TestServer::start_with_console_mail().await;
    let mut b = admin(&server).await;
    let r = save(&mut b, &office365(&server, &[])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The mail server forgets every token (as when the app loses SMTP.SendAsApp).
    let r = b.call("settings/mail-test", &[]).await;
    assert!(r.json()["failure"].is_null(), "{}", r.body);
    server
        .token_endpoint
        .as_ref()
        .unwrap()
        .issued
        .lock()
        .unwrap()
        .clear();
    let r = b.call("settings/mail-test", &[]).await;
    let failure = &r.json()["failure"];
    assert_eq!(failure["at"], "SignIn", "{}", r.body);
    assert_eq!(failure["code"], "535");
    // The refused token is not kept: the next mail fetches a new one and goes out.
    let r = b.call("settings/mail-test", &[]).await;
    assert!(r.json()["failure"].is_null(), "{}", r.body);
    assert_eq!(server.token_endpoint.as_ref().unwrap().grants(), 2);
}

#[tokio::test]
async fn failures_say_where_they_happened() {
    let server = TestServer::start_with_console_mail().await;
    let mut b = admin(&server).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port().to_string();
    drop(closed);
    let form = json!({ "form": {
        "host": "127.0.0.1", "port": port, "security": "none", "from_address": "noreply@contoso.it",
        "from_name": "", "sign_in": "none", "username": "", "password": "", "tenant_id": "",
        "client_id": "", "client_secret": "", "secret_expires_on": "", "token_url": ""
    }});
    let r = save(&mut b, &form).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = b.call("settings/mail-test", &[]).await;
    assert_eq!(r.json()["failure"]["at"], "Connect", "{}", r.body);

    let mut form = form;
    form["form"]["host"] = json!("no-such-host.invalid");
    form["form"]["security"] = json!("starttls");
    let r = save(&mut b, &form).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = b.call("settings/mail-test", &[]).await;
    assert_eq!(r.json()["failure"]["at"], "Resolve", "{}", r.body);

    // STARTTLS required, and the server does not offer it.
    form["form"]["host"] = json!("localhost");
    form["form"]["port"] = json!(server.smtp.port.to_string());
    let r = save(&mut b, &form).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = b.call("settings/mail-test", &[]).await;
    assert_eq!(r.json()["failure"]["at"], "Tls", "{}", r.body);
}

#[tokio::test]
async fn bad_settings_are_refused_field_by_field_and_change_nothing() {
    let server = TestServer::start_with_console_mail().await;
    let mut b = admin(&server).await;
    // (fields changed, the field named in the answer, its message)
    type Row<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let rows: [Row; 10] = [
        (&[("host", "")], "host", "Required"),
        (&[("host", "smtp .it")], "host", "MailHostInvalid"),
        (&[("port", "70000")], "port", "MailPortInvalid"),
        (
            &[("host", "smtp.office365.com"), ("security", "none")],
            "security",
            "MailClearOnlyLoopback",
        ),
        (
            &[("from_address", "not an address")],
            "from_address",
            "EmailFormat",
        ),
        (&[("tenant_id", "a/b")], "tenant_id", "MailIdInvalid"),
        (
            &[("token_url", "http://login.example.it/token")],
            "token_url",
            "MailTokenUrlInvalid",
        ),
        (
            &[("secret_expires_on", "2027-02-30")],
            "secret_expires_on",
            "DateInvalid",
        ),
        // Azure gives every secret an expiry: without it no warning could come.
        (
            &[("secret_expires_on", "")],
            "secret_expires_on",
            "DateInvalid",
        ),
        (&[("username", "not a mailbox")], "username", "EmailFormat"),
    ];
    for (overrides, field, msg) in rows {
        let r = save(&mut b, &office365(&server, overrides)).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{overrides:?}: {}",
            r.body
        );
        assert!(
            r.body.contains(field) && r.body.contains(msg),
            "{overrides:?}: {}",
            r.body
        );
    }
    // A first save needs the secret; nothing was stored by the refusals.
    let r = save(&mut b, &office365(&server, &[("client_secret", "")])).await;
    assert!(r.body.contains("client_secret"), "{}", r.body);
    let r = b.call("settings/mail", &[]).await;
    assert_eq!(r.json()["source"], "Outbox");
}

#[tokio::test]
async fn a_saved_secret_never_follows_a_new_destination() {
    let server = TestServer::start_with_console_mail().await;
    let mut b = admin(&server).await;
    let r = save(&mut b, &office365(&server, &[])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Kept while it goes to the same endpoint for the same app...
    let r = save(
        &mut b,
        &office365(&server, &[("client_secret", ""), ("from_name", "CRM")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // ...but another endpoint (or app) must be given the secret again.
    let elsewhere = "https://login.example.it/t/oauth2/v2.0/token";
    for changed in [("token_url", elsewhere), ("client_id", "ffffffff-0000")] {
        let r = save(
            &mut b,
            &office365(&server, &[("client_secret", ""), changed]),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{changed:?}: {}",
            r.body
        );
        assert!(r.body.contains("client_secret"), "{}", r.body);
    }
    // The same for a password and its server.
    let password = |host: &str, pw: &str| {
        json!({ "form": {
            "host": host, "port": "587", "security": "starttls", "from_address": "noreply@contoso.it",
            "from_name": "", "sign_in": "password", "username": "relay", "password": pw,
            "tenant_id": "", "client_id": "", "client_secret": "", "secret_expires_on": "",
            "token_url": ""
        }})
    };
    let r = save(&mut b, &password("smtp.contoso.it", "relay-secret-1")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["password_saved"], true);
    let r = save(&mut b, &password("smtp.contoso.it", "")).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "kept for the same server: {}",
        r.body
    );
    let r = save(&mut b, &password("smtp.elsewhere.it", "")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("password"), "{}", r.body);
}

#[tokio::test]
async fn saving_takes_a_fresh_proof_and_an_admin() {
    let server = TestServer::start_with_console_mail().await;
    server.add_user("boss", "boss-password-1", true).await;
    let mut b = server.signed_in("boss", "boss-password-1").await;
    let r = save(&mut b, &office365(&server, &[])).await;
    assert!(r.body.contains("ReauthRequired"), "{}", r.body);
    server.add_user("anna", "anna-password-1", false).await;
    let mut anna = server.signed_in("anna", "anna-password-1").await;
    for endpoint in [
        "settings/mail",
        "settings/mail-test",
        "settings/mail-warning",
    ] {
        let r = anna.call(endpoint, &[]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{endpoint}: {}", r.body);
    }
    anna.reauth("anna-password-1", None).await;
    let r = save(&mut anna, &office365(&server, &[])).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}

#[tokio::test]
async fn a_new_configuration_applies_to_the_next_mail_and_queued_mail_is_not_lost() {
    let server = TestServer::start_with_console_mail().await;
    let mut b = admin(&server).await;
    // A mail server that is down: the notice waits in the queue.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = closed.local_addr().unwrap().port().to_string();
    drop(closed);
    let r = save(&mut b, &office365(&server, &[("port", &dead)])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    server.add_user("anna", "anna-password-1", false).await;
    let anna = app::backend::store::users::by_username(&server.state.pool, "anna")
        .await
        .unwrap()
        .unwrap();
    app::backend::mail::notices::send(
        &server.state,
        &anna,
        app::backend::mail::notices::Notice::PasswordChanged,
        app::i18n::Lang::En,
    );
    for _ in 0..100 {
        let (attempts,): (i64,) =
            sqlx::query_as("SELECT COALESCE(MAX(attempts), 0) FROM mail_queue")
                .fetch_one(&server.state.pool)
                .await
                .unwrap();
        if attempts > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(server.smtp.messages().is_empty());
    // The right port, no restart: the queued notice goes out at its next try.
    let r = save(&mut b, &office365(&server, &[])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mail = server.wait_for_mail("anna@example.it", "password").await;
    assert!(mail.contains("noreply@contoso.it"), "{mail}");
}

#[tokio::test]
async fn the_secret_expiry_warns_admins_at_30_7_and_1_days() {
    let server = TestServer::start_with_console_mail().await;
    let mut b = admin(&server).await;
    let expires = date_in(&server, 40);
    let r = save(
        &mut b,
        &office365(&server, &[("secret_expires_on", &expires)]),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["expiry"], "Fine", "{}", r.body);
    let remind = || app::backend::mail::expiry::remind(&server.state);
    assert_eq!(remind().await.unwrap(), 0, "40 days left: nothing yet");
    let r = b.call("settings/mail-warning", &[]).await;
    assert!(r.json().is_null(), "{}", r.body);

    let subject = "The Office 365 client secret for mail expires soon";
    let reminders = || {
        server
            .mails_to("boss@example.it")
            .into_iter()
            .filter(|m| m.contains(subject))
            .count()
    };
    for (days_left, mailed) in [(30, 1), (29, 1), (8, 1), (7, 2), (3, 2), (1, 3), (0, 3)] {
        let target = app::domain::date::Date::parse(&expires)
            .unwrap()
            .days_since_epoch()
            - days_left;
        server.clock.set(target * DAY + 3600);
        remind().await.unwrap();
        remind().await.unwrap();
        for _ in 0..100 {
            if reminders() >= mailed {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(reminders(), mailed, "{days_left} days left");
        // Days pass: the admin signs in again.
        b = server.signed_in("boss", "boss-password-1").await;
        let r = b.call("settings/mail-warning", &[]).await;
        assert_eq!(
            r.json()["expiry"]["Soon"]["days_left"],
            days_left,
            "{}",
            r.body
        );
    }
    let mail = server.wait_for_mail("boss@example.it", subject).await;
    assert!(mail.contains(&expires), "{mail}");

    // Past its date: stated plainly, no more mails.
    let target = app::domain::date::Date::parse(&expires)
        .unwrap()
        .days_since_epoch()
        + 1;
    server.clock.set(target * DAY);
    assert_eq!(remind().await.unwrap(), 0);
    b = server.signed_in("boss", "boss-password-1").await;
    let r = b.call("settings/mail-warning", &[]).await;
    assert_eq!(r.json()["expiry"], "Expired", "{}", r.body);
    let r = b.call("settings/mail", &[]).await;
    assert_eq!(r.json()["expiry"], "Expired", "{}", r.body);

    // A new secret with a new date starts the reminders again.
    let later = date_in(&server, 20);
    b.reauth("boss-password-1", None).await;
    let r = save(
        &mut b,
        &office365(
            &server,
            &[
                ("secret_expires_on", &later),
                ("client_secret", CLIENT_SECRET),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(remind().await.unwrap(), 1);
}

#[tokio::test]
async fn settings_from_the_environment_are_read_only() {
    let server = TestServer::start().await;
    let mut b = server.signed_in_admin().await;
    let r = b.call("settings/mail", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let s = r.json();
    assert_eq!(s["source"], "Environment");
    assert_eq!(s["host"], "127.0.0.1");
    assert_eq!(s["sender_from_environment"], true);
    b.reauth(ADMIN_PASSWORD, None).await;
    let form = json!({ "form": {
        "host": "smtp.office365.com", "port": "587", "security": "starttls",
        "from_address": "a@b.it", "from_name": "", "sign_in": "none", "username": "",
        "password": "", "tenant_id": "", "client_id": "", "client_secret": "",
        "secret_expires_on": "", "token_url": ""
    }});
    let r = save(&mut b, &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("MailSetByEnvironment"), "{}", r.body);
    // The first admin has no address: the test email says so.
    let r = b.call("settings/mail-test", &[]).await;
    assert!(r.body.contains("MailNoOwnEmail"), "{}", r.body);
}
