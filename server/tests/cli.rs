//! The server binary as an operator uses it: first start, create-user, reset-password,
//! reset-2fa, migrate. Each test runs the real binary on its own temporary data folder.

mod binary;

use binary::*;
use std::io::Write;
use std::process::Stdio;

/// Runs the binary on `data` with `args`, which must succeed (else its stderr is shown): its
/// standard output.
fn succeeds(data: &std::path::Path, args: &[&str]) -> String {
    let out = server(data).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
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

    // SPEC 4's `create-admin`: an administrator, with a generated one-time password.
    let stdout = succeeds(
        dir.path(),
        &[
            "create-admin",
            "Luigi",
            "--email",
            "luigi@example.it",
            "--generate",
        ],
    );
    assert!(stdout.contains("Created user 'luigi'"), "{stdout}");
    assert!(
        stdout.lines().any(|l| l.starts_with("Password: ")),
        "{stdout}"
    );
    let pool = open_db(dir.path()).await;
    let luigi = app::backend::store::users::by_username(&pool, "luigi").await;
    assert!(luigi.unwrap().expect("luigi exists").is_admin);

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
    succeeds(
        dir.path(),
        &[
            "create-user",
            "carla",
            "--email",
            "carla@example.it",
            "--generate",
        ],
    );
    // Turn 2FA on directly in the database file, as an enrolment would have.
    let url = format!("sqlite://{}", dir.path().join("syncgate.db").display());
    let pool = app::backend::store::connect(&url).await.unwrap().pool;
    let carla = app::backend::store::users::by_username(&pool, "carla")
        .await
        .unwrap()
        .unwrap();
    app::backend::store::users::set_two_factor(&pool, carla.id, (None, Some("email")), None, 0)
        .await
        .unwrap();

    let stdout = succeeds(dir.path(), &["reset-2fa", "carla"]);
    assert!(stdout.contains("turned off for 'carla'"));
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
