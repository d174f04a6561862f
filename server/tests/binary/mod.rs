//! The server binary run as an operator runs it: on its own temporary data folder and port.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub fn server(data: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.env("SYNCGATE_DATA_DIR", data)
        .env("SYNCGATE_SITE_ROOT", data)
        .env("SYNCGATE_LOG", "info")
        .env_remove("SYNCGATE_ADMIN_PASSWORD")
        .env_remove("SYNCGATE_TEST_DATABASE_URL")
        .current_dir(data);
    cmd
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A running `serve`, stopped when dropped: a test that fails midway does not leave its
/// server behind (which would also keep `cargo test` waiting on its output).
pub struct Running(Child);

impl std::ops::Deref for Running {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Running {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `serve`, returns the process and every stdout line up to "listening".
pub fn start(data: &Path, port: u16) -> (Running, Vec<String>) {
    start_with(data, port, &[])
}

/// `start` with more environment (e.g. another database).
pub fn start_with(data: &Path, port: u16, env: &[(&str, &str)]) -> (Running, Vec<String>) {
    let mut child = Running(
        server(data)
            .arg("serve")
            .envs(env.iter().copied())
            .env("SYNCGATE_LISTEN", format!("127.0.0.1:{port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn server"),
    );
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

/// Stops the server now (as dropping it would).
pub fn stop(running: Running) {
    drop(running);
}

pub async fn can_log_in(port: u16, user: &str, password: &str) -> bool {
    let r = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/login"))
        .header("Accept", "application/json")
        .form(&[("username", user), ("password", password)])
        .send()
        .await
        .expect("request");
    r.status().is_success()
}

/// `create-user NAME --email NAME@example.it` with the password `NAME-password-1` on standard
/// input, on the data folder's database or `database` when given.
pub fn create_user(data: &Path, database: Option<&str>, name: &str) {
    create(data, database, name, false);
}

/// An administrator `name` with the address `name@example.it` and the password
/// `name-password-1`.
pub fn create_admin(data: &Path, name: &str) {
    create(data, None, name, true);
}

fn create(data: &Path, database: Option<&str>, name: &str, admin: bool) {
    use std::io::Write;
    let mut cmd = server(data);
    if let Some(url) = database {
        cmd.env("SYNCGATE_DATABASE_URL", url);
    }
    let email = format!("{name}@example.it");
    let mut args = vec!["create-user", name, "--email", &email];
    if admin {
        args.push("--admin");
    }
    let mut child = cmd
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn create-user");
    writeln!(child.stdin.take().expect("stdin"), "{name}-password-1").expect("write password");
    assert!(child.wait().expect("create-user").success());
}

pub fn run_ok(data: &Path, args: &[&str]) -> String {
    let out = server(data).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub async fn open_db(data: &Path) -> app::backend::store::Pool {
    let url = format!("sqlite://{}", data.join("syncgate.db").display());
    app::backend::store::connect(&url).await.unwrap().pool
}

/// A signed-in, re-authenticated browser session against the real server.
pub async fn reauthed_client(port: u16, user: &str, password: &str) -> reqwest::Client {
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

pub async fn api(
    client: &reqwest::Client,
    port: u16,
    endpoint: &str,
    form: &[(&str, &str)],
) -> String {
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
