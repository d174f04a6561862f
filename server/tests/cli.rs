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
