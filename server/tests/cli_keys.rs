//! The key file from the command line: `rotate-key` while the server runs, and the data
//! folder's permissions. Each test runs the real binary on its own temporary data folder.

mod binary;

use app::backend::store::columns::Sealed;
use binary::*;
use std::path::Path;

/// The key ids of sealed rows as the store lists them.
fn key_ids<T>(rows: Result<Vec<(T, Sealed)>, sqlx::Error>) -> Vec<String> {
    rows.expect("the sealed rows")
        .into_iter()
        .map(|(_, s)| s.key_id)
        .collect()
}

/// A new key put in the key file by hand, nothing re-encrypted under it: `--drop-retired`
/// must refuse (dropping the old key would lose what is sealed under it); what it said.
fn new_key_by_hand_then_drop_refused(data: &Path) -> String {
    let key_file = data.join("secret.key");
    let ring = app::backend::secrets::keyring::read(&key_file).unwrap();
    app::backend::secrets::keyring::replace(&key_file, &ring.rotated()).unwrap();
    let out = server(data)
        .args(["rotate-key", "--drop-retired"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
}

#[tokio::test]
async fn rotate_key_re_encrypts_every_secret_while_the_server_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["ugo", "vera"] {
        create_user(dir.path(), None, name);
        run_ok(dir.path(), &["activesync", "on", name]);
    }
    let port = free_port();
    let (child, _) = start(dir.path(), port);
    let ugo = reauthed_client(port, "ugo", "ugo-password-1").await;
    let vera = reauthed_client(port, "vera", "vera-password-1").await;
    for (client, secret) in [(&ugo, "ugo-sync-secret-1"), (&vera, "vera-sync-secret-1")] {
        api(
            client,
            port,
            "activesync/change",
            &[
                ("new_sync_password", secret),
                ("confirm_sync_password", secret),
            ],
        )
        .await;
    }
    // Vera also turns on an authenticator app: its secret is sealed too.
    let enrol = api(
        &vera,
        port,
        "two-factor/enrol",
        &[("resend", "false"), ("method", "app")],
    )
    .await;
    let enrol: serde_json::Value = serde_json::from_str(&enrol).unwrap();
    let vera_secret = enrol["App"]["secret"].as_str().unwrap().replace(' ', "");
    let step = app::domain::app_codes::step_at(unix_now());
    let code = app::backend::second_factor::app::code_at(&vera_secret, step).unwrap();
    api(
        &vera,
        port,
        "two-factor/confirm",
        &[("code", &code), ("method", "app")],
    )
    .await;
    let pool = open_db(dir.path()).await;
    let app_key_ids =
        || async { key_ids(app::backend::store::second_factor::sealed_app_secrets(&pool).await) };
    let sync_key_ids =
        || async { key_ids(app::backend::store::users::sealed_sync_passwords(&pool).await) };
    let before = sync_key_ids().await;
    assert_eq!(before.len(), 2);
    assert_eq!(before[0], before[1]);

    let out = run_ok(dir.path(), &["rotate-key"]);
    assert!(out.contains("Re-encrypted 3 stored secret(s)"), "{out}");
    assert!(out.contains("1 retired key(s)"), "{out}");
    let after = sync_key_ids().await;
    assert_ne!(after[0], before[0], "under the new key");
    assert_eq!(after[0], after[1]);
    assert_eq!(
        app_key_ids().await,
        vec![after[0].clone()],
        "the app secret too"
    );
    let ring = app::backend::secrets::keyring::read(&dir.path().join("secret.key")).unwrap();
    assert_eq!(ring.retired_count(), 1);

    // The running server, started with the old key only, still shows both passwords...
    assert!(api(&ugo, port, "activesync/view", &[])
        .await
        .contains("ugo-sync-secret-1"));
    assert!(api(&vera, port, "activesync/view", &[])
        .await
        .contains("vera-sync-secret-1"));
    // Vera's app, resealed, still gives the codes she types (a later step: each once).
    let signing_in = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    api(
        &signing_in,
        port,
        "login",
        &[("username", "vera"), ("password", "vera-password-1")],
    )
    .await;
    let next = app::backend::second_factor::app::code_at(&vera_secret, step + 1).unwrap();
    let signed_in = api(&signing_in, port, "login/code", &[("code", &next)]).await;
    assert!(signed_in.contains("\"username\":\"vera\""), "{signed_in}");
    // ...and seals new ones under the new key.
    api(
        &ugo,
        port,
        "activesync/change",
        &[
            ("new_sync_password", "ugo-sync-secret-2"),
            ("confirm_sync_password", "ugo-sync-secret-2"),
        ],
    )
    .await;
    assert_eq!(sync_key_ids().await, after);
    let events = app::backend::store::audit::organisation(&pool, 5)
        .await
        .unwrap();
    assert_eq!(events[0].action, "key_rotated");
    stop(child);

    // After a restart, with the rotated key file.
    let (child, _) = start(dir.path(), port);
    let ugo = reauthed_client(port, "ugo", "ugo-password-1").await;
    assert!(api(&ugo, port, "activesync/view", &[])
        .await
        .contains("ugo-sync-secret-2"));
    stop(child);

    // Vera's recovery codes are HMACs under the retired key: dropping it would void them.
    let out = server(dir.path())
        .args(["rotate-key", "--drop-retired"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("recovery codes made under a retired key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    run_ok(dir.path(), &["reset-2fa", "vera"]);
    // Every secret is under the current key: the retired one can go.
    let out = run_ok(dir.path(), &["rotate-key", "--drop-retired"]);
    assert!(out.contains("Dropped 1 retired key(s)"), "{out}");
    let key_file = dir.path().join("secret.key");
    let ring = app::backend::secrets::keyring::read(&key_file).unwrap();
    assert_eq!(ring.retired_count(), 0);
    let said = new_key_by_hand_then_drop_refused(dir.path());
    assert!(said.contains("still sealed under a retired key"), "{said}");
    assert_eq!(
        app::backend::secrets::keyring::read(&key_file)
            .unwrap()
            .retired_count(),
        1
    );
    let (child, _) = start(dir.path(), port);
    let ugo = reauthed_client(port, "ugo", "ugo-password-1").await;
    assert!(api(&ugo, port, "activesync/view", &[])
        .await
        .contains("ugo-sync-secret-2"));
    stop(child);
}

/// The mail server's password saved on /admin/settings, and mail waiting in the queue, are
/// sealed like the sync passwords: `rotate-key` re-encrypts them, the retired key is not dropped
/// while one is still under it, and the restarted server still opens them.
#[tokio::test]
async fn rotate_key_re_encrypts_the_saved_mail_password_and_queued_mail() {
    let dir = tempfile::tempdir().unwrap();
    create_admin(dir.path(), "mara");
    let port = free_port();
    let (running, _) = start(dir.path(), port);
    let mara = reauthed_client(port, "mara", "mara-password-1").await;
    // A mail server that is down: the test email stops at the connection, after the saved
    // password was opened (a password that cannot be opened is a server error instead).
    let dead = free_port().to_string();
    let form = serde_json::json!({ "form": {
        "host": "127.0.0.1", "port": dead, "security": "none",
        "from_address": "noreply@example.it", "from_name": "", "sign_in": "password",
        "username": "relay", "password": "relay-secret-1", "tenant_id": "", "client_id": "",
        "client_secret": "", "secret_expires_on": "", "token_url": ""
    }});
    let saved = mara
        .post(format!("http://127.0.0.1:{port}/api/settings/mail-save"))
        .header("Accept", "application/json")
        .json(&form)
        .send()
        .await
        .unwrap();
    assert!(
        saved.status().is_success(),
        "{}",
        saved.text().await.unwrap()
    );
    let pool = open_db(dir.path()).await;
    let mail_key_ids =
        || async { key_ids(app::backend::store::mail_settings::sealed_secrets(&pool).await) };
    let before = mail_key_ids().await;
    assert_eq!(before.len(), 1);
    let stored: (Vec<u8>,) = sqlx::query_as("SELECT password_ciphertext FROM mail_settings")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&stored.0).contains("relay-secret"));
    // A code by email while the mail server is down: the message waits in the queue.
    let enrol = mara
        .post(format!("http://127.0.0.1:{port}/api/two-factor/enrol"))
        .header("Accept", "application/json")
        .form(&[("resend", "false"), ("method", "email")])
        .send()
        .await
        .unwrap();
    assert!(enrol.text().await.unwrap().contains("MailFailed"));
    stop(running);
    let queued_key_ids =
        || async { key_ids(app::backend::store::mail_queue::sealed_all(&pool).await) };
    let queued_before = queued_key_ids().await;
    assert_eq!(queued_before.len(), 1, "the code's mail is queued");

    let out = run_ok(dir.path(), &["rotate-key"]);
    assert!(out.contains("Re-encrypted 2 stored secret(s)"), "{out}");
    let after = mail_key_ids().await;
    assert_ne!(after, before, "under the new key");
    assert_eq!(queued_key_ids().await, after, "the queued mail too");
    // Nothing needs the old key any more: it can go, and the queued mail still opens.
    run_ok(dir.path(), &["rotate-key", "--drop-retired"]);
    let key_file = dir.path().join("secret.key");
    let secrets = app::backend::secrets::SecretBox::from_file(&key_file).unwrap();
    let queued = app::backend::store::mail_queue::sealed_all(&pool)
        .await
        .unwrap();
    let message = secrets
        .open(app::backend::store::mail_queue::OWNER, &queued[0].1)
        .expect("the queued mail opens with the key left");
    assert!(message.contains("mara@example.it"), "{}", message.as_str());

    let said = new_key_by_hand_then_drop_refused(dir.path());
    assert!(
        said.contains("2 stored secret(s) are still sealed under a retired key (the mail settings, 1 queued mail message(s))"),
        "{said}"
    );
    run_ok(dir.path(), &["rotate-key"]);
    run_ok(dir.path(), &["rotate-key", "--drop-retired"]);

    let (running, _) = start(dir.path(), port);
    let mara = reauthed_client(port, "mara", "mara-password-1").await;
    let report = api(&mara, port, "settings/mail-test", &[]).await;
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["failure"]["at"], "Connect", "{report}");
    stop(running);
}

#[cfg(unix)]
#[test]
fn the_data_folder_is_private_and_an_exposed_key_file_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut cmd = server(dir.path());
    cmd.env("SYNCGATE_DATA_DIR", &data).arg("migrate");
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("syncgate.db")), 0o600);
    for companion in ["syncgate.db-wal", "syncgate.db-shm"] {
        let p = data.join(companion);
        if p.exists() {
            assert_eq!(mode(&p), 0o600, "{companion}");
        }
    }
    let key = data.join("secret.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut cmd = server(dir.path());
    cmd.env("SYNCGATE_DATA_DIR", &data).arg("migrate");
    let out = cmd.output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("can be read by other users"), "{stderr}");
    assert!(stderr.contains("chmod 600"), "{stderr}");
}
