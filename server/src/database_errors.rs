//! What a database that cannot be used at start looks like to the person starting syncgate:
//! one sentence, naming where it looked but never the password.

/// `postgres://user@host:port/db` or the SQLite path, without the password.
pub fn shown(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.scheme().starts_with("postgres") => {
            let _ = u.set_password(None);
            u.set_query(None);
            u.to_string()
        }
        _ => url.split('?').next().unwrap_or(url).to_string(),
    }
}

/// Why the database could not be opened.
pub fn opening(err: &sqlx::Error, url: &str) -> String {
    let at = shown(url);
    let user = url::Url::parse(url)
        .ok()
        .map(|u| u.username().to_string())
        .unwrap_or_default();
    match err {
        sqlx::Error::Io(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            format!("cannot reach the database at {at}: connection refused (is PostgreSQL running and listening there?)")
        }
        sqlx::Error::Io(e) => format!("cannot reach the database at {at}: {e}"),
        sqlx::Error::PoolTimedOut => {
            format!("the database at {at} did not answer within 10 seconds")
        }
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("28P01") => {
                format!("the database at {at} refused the password of user \"{user}\"")
            }
            Some("28000") => {
                format!("the database at {at} does not let user \"{user}\" in (check pg_hba.conf)")
            }
            Some("3D000") => {
                format!("the database at {at} does not exist: create it first (createdb)")
            }
            _ => format!(
                "the database at {at} refused the connection: {}",
                db.message()
            ),
        },
        sqlx::Error::Configuration(e) => format!("the database URL {at} is not valid: {e}"),
        other => format!("cannot open the database at {at}: {other}"),
    }
}

/// Why the migrations could not be applied.
pub fn migrating(err: &sqlx::migrate::MigrateError, url: &str) -> String {
    use sqlx::migrate::MigrateError;
    let at = shown(url);
    match err {
        MigrateError::VersionMissing(v) => format!(
            "the database at {at} was upgraded by a newer syncgate (its migration {v} is unknown to this one): run that version, or restore a backup made before the upgrade"
        ),
        MigrateError::VersionMismatch(v) => format!(
            "the database at {at} has a migration {v} that differs from this syncgate's: it was changed by hand or by another program"
        ),
        MigrateError::Dirty(v) => format!(
            "the database at {at} holds a half-applied migration {v}: restore a backup"
        ),
        other => format!("cannot update the database at {at}: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_never_shown() {
        let url = "postgres://sg:s3cret-pass@db.example.it:5433/syncgate?sslmode=require";
        assert_eq!(shown(url), "postgres://sg@db.example.it:5433/syncgate");
        let refused = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        let text = opening(&refused, url);
        assert!(text.contains("connection refused"), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
        assert_eq!(
            shown("sqlite:///var/lib/sg/syncgate.db?mode=rwc"),
            "sqlite:///var/lib/sg/syncgate.db"
        );
    }

    #[test]
    fn a_newer_database_is_named_as_such() {
        let text = migrating(
            &sqlx::migrate::MigrateError::VersionMissing(9),
            "postgres://a:b@h/d",
        );
        assert!(text.contains("upgraded by a newer syncgate"), "{text}");
        assert!(text.contains("migration 9"), "{text}");
    }
}
