//! The server binary as an operator uses it: first start, create-user, reset-password,
//! reset-2fa, migrate. Each test runs the real binary on its own temporary data folder.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn server(data: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.env("SYNCGATE_DATA_DIR", data)
        .env("SYNCGATE_SITE_ROOT", data)
        .env("SYNCGATE_LOG", "info")
        .env_remove("SYNCGATE_ADMIN_PASSWORD")
        .current_dir(data);
    cmd
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts `serve`, returns the process and every stdout line up to "listening".
fn start(data: &Path, port: u16) -> (Child, Vec<String>) {
    let mut child = server(data)
        .arg("serve")
        .env("SYNCGATE_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn server");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // Keep draining after the test stops listening, so the server never hits a closed pipe.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut lines = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(30)) {
        let done = line.contains("listening on");
        lines.push(line);
        if done {
            return (child, lines);
        }
    }
    stop(child);
    panic!("server did not start: {lines:?}");
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

async fn can_log_in(port: u16, user: &str, password: &str) -> bool {
    let r = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/login"))
        .header("Accept", "application/json")
        .form(&[("username", user), ("password", password)])
        .send()
        .await
        .expect("request");
    r.status().is_success()
}

#[tokio::test]
async fn first_start_prints_the_admin_password_once() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (child, lines) = start(dir.path(), port);
    let password = lines
        .iter()
        .find_map(|l| l.trim().strip_prefix("password: "))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no password printed: {lines:?}"));
    assert_eq!(password.len(), 20);
    assert!(can_log_in(port, "admin", &password).await);
    // The password is not in any log line, only in the one banner line.
    assert_eq!(lines.iter().filter(|l| l.contains(&password)).count(), 1);
    stop(child);

    // The key file was generated, owner-only.
    let key = dir.path().join("secret.key");
    assert!(key.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    // Second start: the admin exists, nothing is printed.
    let (child, lines) = start(dir.path(), port);
    assert!(!lines.iter().any(|l| l.contains("password")), "{lines:?}");
    assert!(can_log_in(port, "admin", &password).await);
    stop(child);
}

#[tokio::test]
async fn create_user_reset_password_and_migrate() {
    let dir = tempfile::tempdir().unwrap();

    let out = server(dir.path()).arg("migrate").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Database is up to date."));

    let mut child = server(dir.path())
        .args([
            "create-user",
            "Mario",
            "--email",
            "mario@example.it",
            "--admin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"mario-password-1\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Created user 'mario'"));

    // A bad username is refused with the reason, and nothing is created.
    let out = server(dir.path())
        .args([
            "create-user",
            "no spaces",
            "--email",
            "x@example.it",
            "--generate",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("username: Use 2 to 64 letters"));

    let out = server(dir.path())
        .args(["reset-password", "mario", "--generate"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let new_password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("New password: "))
        .expect("new password printed")
        .to_string();

    let port = free_port();
    let (child, _) = start(dir.path(), port);
    assert!(!can_log_in(port, "mario", "mario-password-1").await);
    assert!(can_log_in(port, "mario", &new_password).await);
    stop(child);
    // Audited as done from the command line (no actor).
    let pool = open_db(dir.path()).await;
    let (actor,): (Option<i64>,) =
        sqlx::query_as("SELECT actor_id FROM audit_events WHERE action = 'password_reset'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(actor, None);

    let out = server(dir.path())
        .args(["reset-password", "nobody", "--generate"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[tokio::test]
async fn reset_2fa_turns_it_off_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = server(dir.path())
        .args([
            "create-user",
            "carla",
            "--email",
            "carla@example.it",
            "--generate",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Turn 2FA on directly in the database file, as an enrolment would have.
    let url = format!("sqlite://{}", dir.path().join("syncgate.db").display());
    let pool = app::backend::store::connect(&url).await.unwrap();
    let carla = app::backend::store::users::by_username(&pool, "carla")
        .await
        .unwrap()
        .unwrap();
    app::backend::store::users::set_two_factor(&pool, carla.id, Some("email"), 0)
        .await
        .unwrap();

    let out = server(dir.path())
        .args(["reset-2fa", "carla"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("turned off for 'carla'"));
    let carla = app::backend::store::users::by_username(&pool, "carla")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(carla.two_factor_method, None);
    let events = app::backend::store::audit::for_target(&pool, carla.id, 10)
        .await
        .unwrap();
    assert_eq!(events[0].action, "two_factor_reset");
    assert_eq!(events[0].actor, None, "done from the command line");
    let notices: Vec<String> = std::fs::read_dir(dir.path().join("outbox"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(
        notices
            .iter()
            .any(|m| m.contains("Two-factor authentication reset")),
        "carla is told: {notices:?}"
    );

    let out = server(dir.path())
        .args(["reset-2fa", "nobody"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("There is no user 'nobody'"));
}

fn run_ok(data: &Path, args: &[&str]) -> String {
    let out = server(data).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn open_db(data: &Path) -> sqlx::SqlitePool {
    let url = format!("sqlite://{}", data.join("syncgate.db").display());
    app::backend::store::connect(&url).await.unwrap()
}

#[tokio::test]
async fn activesync_is_turned_on_and_off_and_cleared_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    run_ok(
        dir.path(),
        &[
            "create-user",
            "dora",
            "--email",
            "dora@example.it",
            "--generate",
        ],
    );
    let pool = open_db(dir.path()).await;
    let dora = || async {
        app::backend::store::users::by_username(&pool, "dora")
            .await
            .unwrap()
            .unwrap()
    };

    assert!(run_ok(dir.path(), &["activesync", "on", "dora"]).contains("turned on for 'dora'"));
    assert!(dora().await.activesync_enabled);
    // A sync password, as the console would store it (the CLI never sets one).
    let state_key = app::backend::secrets::keyring::read(&dir.path().join("secret.key")).unwrap();
    let sealed =
        app::backend::secrets::SecretBox::new(&state_key).seal(dora().await.id, "dora-sync-secret");
    app::backend::store::users::set_sync_password(&pool, dora().await.id, Some(&sealed), 0)
        .await
        .unwrap();
    assert!(run_ok(dir.path(), &["activesync", "clear-password", "dora"]).contains("cleared"));
    assert_eq!(dora().await.sync_password_ciphertext, None);
    assert!(run_ok(dir.path(), &["activesync", "off", "dora"]).contains("turned off"));
    assert!(!dora().await.activesync_enabled);

    let events = app::backend::store::audit::for_target(&pool, dora().await.id, 10)
        .await
        .unwrap();
    let actions: Vec<(&str, Option<&str>, &str)> = events
        .iter()
        .map(|e| (e.action.as_str(), e.actor.as_deref(), e.address.as_str()))
        .collect();
    assert_eq!(
        &actions[..3],
        [
            ("activesync_disabled", None, "command line"),
            ("sync_password_cleared", None, "command line"),
            ("activesync_enabled", None, "command line"),
        ]
    );
    let outbox: Vec<String> = std::fs::read_dir(dir.path().join("outbox"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(
        outbox
            .iter()
            .any(|m| m.contains("ActiveSync password was cleared")),
        "dora is told"
    );

    let out = server(dir.path())
        .args(["activesync", "on", "nobody"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("There is no user 'nobody'"));
}

/// A signed-in, re-authenticated browser session against the real server.
async fn reauthed_client(port: u16, user: &str, password: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    for (endpoint, form) in [
        ("login", vec![("username", user), ("password", password)]),
        ("reauth", vec![("reauth_password", password)]),
    ] {
        let r = client
            .post(format!("http://127.0.0.1:{port}/api/{endpoint}"))
            .header("Accept", "application/json")
            .form(&form)
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_success(),
            "{endpoint}: {}",
            r.text().await.unwrap()
        );
    }
    client
}

async fn api(client: &reqwest::Client, port: u16, endpoint: &str, form: &[(&str, &str)]) -> String {
    let r = client
        .post(format!("http://127.0.0.1:{port}/api/{endpoint}"))
        .header("Accept", "application/json")
        .form(form)
        .send()
        .await
        .unwrap();
    let ok = r.status().is_success();
    let body = r.text().await.unwrap();
    assert!(ok, "{endpoint}: {body}");
    body
}

#[tokio::test]
async fn rotate_key_re_encrypts_every_secret_while_the_server_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["ugo", "vera"] {
        let mut child = server(dir.path())
            .args([
                "create-user",
                name,
                "--email",
                &format!("{name}@example.it"),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{name}-password-1").unwrap();
        assert!(child.wait().unwrap().success());
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
    let pool = open_db(dir.path()).await;
    let key_ids = || async {
        app::backend::store::users::sealed_sync_passwords(&pool)
            .await
            .unwrap()
            .into_iter()
            .map(|(_, s)| s.key_id)
            .collect::<Vec<_>>()
    };
    let before = key_ids().await;
    assert_eq!(before.len(), 2);
    assert_eq!(before[0], before[1]);

    let out = run_ok(dir.path(), &["rotate-key"]);
    assert!(out.contains("Re-encrypted 2 stored secret(s)"), "{out}");
    assert!(out.contains("1 retired key(s)"), "{out}");
    let after = key_ids().await;
    assert_ne!(after[0], before[0], "under the new key");
    assert_eq!(after[0], after[1]);
    let ring = app::backend::secrets::keyring::read(&dir.path().join("secret.key")).unwrap();
    assert_eq!(ring.retired_count(), 1);

    // The running server, started with the old key only, still shows both passwords...
    assert!(api(&ugo, port, "activesync/view", &[])
        .await
        .contains("ugo-sync-secret-1"));
    assert!(api(&vera, port, "activesync/view", &[])
        .await
        .contains("vera-sync-secret-1"));
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
    assert_eq!(key_ids().await, after);
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

    // Every secret is under the current key: the retired one can go.
    let out = run_ok(dir.path(), &["rotate-key", "--drop-retired"]);
    assert!(out.contains("Dropped 1 retired key(s)"), "{out}");
    let key_file = dir.path().join("secret.key");
    let ring = app::backend::secrets::keyring::read(&key_file).unwrap();
    assert_eq!(ring.retired_count(), 0);
    // A new key put in by hand, nothing re-encrypted yet: dropping would lose the secrets.
    app::backend::secrets::keyring::replace(&key_file, &ring.rotated()).unwrap();
    let out = server(dir.path())
        .args(["rotate-key", "--drop-retired"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("still sealed under a retired key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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
