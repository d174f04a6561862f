//! The database from the operator's side: moving an installation with `copy-db`, and a
//! database that cannot be used stopping the start with one sentence. The real binary, on its
//! own data folder; the PostgreSQL cases run in `make test`'s PostgreSQL pass.

mod binary;

use binary::*;
use std::path::Path;

/// A new database on the test cluster, or `None` (with a note) when there is none.
async fn new_postgres_database(name: &str) -> Option<String> {
    use sqlx::Connection;
    let Some(base) = std::env::var("SYNCGATE_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("skipped: needs PostgreSQL (make test runs this on it)");
        return None;
    };
    let name = format!("{name}_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(&base).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let mut url = url::Url::parse(&base).unwrap();
    url.set_path(&format!("/{name}"));
    Some(url.to_string())
}

#[tokio::test]
async fn copy_db_moves_an_installation_to_postgresql_and_refuses_a_non_empty_target() {
    let Some(pg) = new_postgres_database("moved").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    create_user(dir.path(), None, "ugo");
    run_ok(dir.path(), &["activesync", "on", "ugo"]);
    let port = free_port();
    let (child, _) = start(dir.path(), port);
    let ugo = reauthed_client(port, "ugo", "ugo-password-1").await;
    api(
        &ugo,
        port,
        "activesync/change",
        &[
            ("new_sync_password", "ugo-sync-secret-1"),
            ("confirm_sync_password", "ugo-sync-secret-1"),
        ],
    )
    .await;
    assert_eq!(door(port, "ugo", "ugo-sync-secret-1").await, 200);
    stop(child);

    let out = server(dir.path())
        .args(["copy-db"])
        .env("SYNCGATE_COPY_TO", &pg)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("Copied 1 users"), "{said}");
    assert!(said.contains("audit_events"), "{said}");
    assert!(
        !said.contains(url::Url::parse(&pg).unwrap().password().unwrap()),
        "no password shown"
    );

    // Run again: the target is not empty any more.
    let again = server(dir.path())
        .args(["copy-db"])
        .env("SYNCGATE_COPY_TO", &pg)
        .output()
        .unwrap();
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("is not empty"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one sentence: {err}");

    // The same data folder (key file) on PostgreSQL: the password signs in, the sync password
    // still opens the door, and new rows are numbered after the copied ones.
    let port = free_port();
    let (child, _) = start_with(dir.path(), port, &[("SYNCGATE_DATABASE_URL", &pg)]);
    assert!(can_log_in(port, "ugo", "ugo-password-1").await);
    assert_eq!(door(port, "ugo", "ugo-sync-secret-1").await, 200);
    assert_eq!(door(port, "ugo", "ugo-password-1").await, 401);
    create_user(dir.path(), Some(&pg), "vera");
    assert!(can_log_in(port, "vera", "vera-password-1").await);
    stop(child);
}

async fn door(port: u16, user: &str, password: &str) -> u16 {
    reqwest::Client::new()
        .request(
            reqwest::Method::OPTIONS,
            format!("http://127.0.0.1:{port}/Microsoft-Server-ActiveSync"),
        )
        .basic_auth(user, Some(password))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// `migrate` against a database URL; what it printed on stderr.
fn migrate_fails(data: &Path, url: &str) -> String {
    let out = server(data)
        .arg("migrate")
        .env("SYNCGATE_DATABASE_URL", url)
        .output()
        .unwrap();
    assert!(!out.status.success(), "migrate should fail for {url}");
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}

#[tokio::test]
async fn an_unusable_database_stops_the_start_with_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let closed = free_port();
    let err = migrate_fails(
        dir.path(),
        &format!("postgres://sg:hunter2-secret@127.0.0.1:{closed}/syncgate"),
    );
    assert!(
        err.contains("cannot reach the database at postgres://sg@127.0.0.1"),
        "{err}"
    );
    assert!(err.contains("connection refused"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    // A database a newer syncgate migrated.
    run_ok(dir.path(), &["migrate"]);
    let pool = open_db(dir.path()).await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', TRUE, x'00', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("syncgate.db").display());
    let err = migrate_fails(dir.path(), &sqlite);
    assert!(err.contains("upgraded by a newer syncgate"), "{err}");
    assert!(err.contains("9999"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    // A wrong password (PostgreSQL only).
    if let Ok(base) = std::env::var("SYNCGATE_TEST_DATABASE_URL") {
        if !base.is_empty() {
            let mut wrong = url::Url::parse(&base).unwrap();
            wrong.set_password(Some("not-the-password")).unwrap();
            let err = migrate_fails(dir.path(), wrong.as_str());
            assert!(
                err.contains("refused the password of user \"syncgate\""),
                "{err}"
            );
            assert!(!err.contains("not-the-password"), "{err}");
        }
    }
}
