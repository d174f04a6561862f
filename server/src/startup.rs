//! Everything that happens before the first request: database, migrations, key file, the
//! first admin.

use crate::config::Config;
use crate::database_errors;
use anyhow::Context;
use app::backend::mail::{self, Mailer, Transport};
use app::backend::secrets::keyring::{self, KeyRing};
use app::backend::secrets::SecretBox;
use app::backend::{clock::SystemClock, identity::accounts, state::AppState, store};
use std::path::Path;
use std::sync::Arc;
use zeroize::Zeroizing;

/// Opens the database (creating its folder) and applies pending migrations.
pub async fn open_state(config: &Config) -> anyhow::Result<AppState> {
    private_dir(&config.data_dir)?;
    if let Some(path) = config.database_url.expose().strip_prefix("sqlite://") {
        let file = Path::new(path.split('?').next().unwrap_or(path));
        if let Some(parent) = file.parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).with_context(|| {
                    format!("creating the database folder {}", parent.display())
                })?;
            }
        }
        private_database(file)?;
    }
    let pool = open_database(config.database_url.expose()).await?;
    if ensure_key_file(&config.key_file)? {
        tracing::info!(path = %config.key_file.display(), "generated a new encryption key file");
    }
    let ring = keyring::read(&config.key_file)?;
    let secrets = SecretBox::from_file(&config.key_file)?;
    let transport = match &config.smtp_url {
        Some(url) => Transport::Smtp(mail::smtp_transport(url).map_err(anyhow::Error::msg)?),
        None => Transport::Console(config.data_dir.join("outbox")),
    };
    let mailer = match &config.mail_from {
        Some(from) => Mailer::start(transport, from),
        None => Mailer::start(transport, mail::DEFAULT_FROM).map(Mailer::with_console_sender),
    }
    .map_err(|e| anyhow::anyhow!("SYNCGATE_MAIL_FROM: {e}"))?;
    Ok(
        AppState::with_keys(pool, Arc::new(SystemClock), &ring, secrets, mailer)
            .with_public_url(&config.public_url)
            .with_trusted_proxies(config.trusted_proxies.clone()),
    )
}

/// Opens the database the URL names and applies pending migrations; what goes wrong is said
/// in one sentence (`database_errors`).
pub async fn open_database(url: &str) -> anyhow::Result<store::Database> {
    let db = store::connect(url)
        .await
        .map_err(|e| anyhow::anyhow!(database_errors::opening(&e, url)))?;
    store::migrate(&db)
        .await
        .map_err(|e| anyhow::anyhow!(database_errors::migrating(&e, url)))?;
    Ok(db)
}

/// The data directory holds the database, the key file and the outbox: its owner only (0700).
pub fn private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating the data folder {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("making {} private", dir.display()))?;
    }
    Ok(())
}

/// The SQLite file (created empty if missing) and its `-wal`/`-shm` companions are the
/// owner's only (0600); SQLite gives new companions the database file's mode.
pub fn private_database(file: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        if !file.exists() {
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(file)
                .with_context(|| format!("creating the database {}", file.display()))?;
        }
        for suffix in ["", "-wal", "-shm"] {
            let mut name = file.as_os_str().to_owned();
            name.push(suffix);
            let path = std::path::PathBuf::from(name);
            if path.exists() {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                    .with_context(|| format!("making {} private", path.display()))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// Creates the key file (one random 256-bit key, readable only by its owner) unless one
/// exists. Its keys encrypt stored secrets (ActiveSync passwords) and key the code hashes.
pub fn ensure_key_file(path: &Path) -> anyhow::Result<bool> {
    if path.exists() {
        return Ok(false);
    }
    keyring::create(path, &KeyRing::generate())
        .with_context(|| format!("creating the key file {}", path.display()))?;
    Ok(true)
}

/// On an empty database, creates the admin and prints the password once, on stdout
/// (not through the logger, so it does not end up in log files that collect tracing).
pub async fn bootstrap_admin(state: &AppState) -> anyhow::Result<()> {
    let preset = std::env::var("SYNCGATE_ADMIN_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
        .map(Zeroizing::new);
    let from_env = preset.is_some();
    match accounts::bootstrap_admin(state, preset).await {
        Ok(Some(password)) => {
            if from_env {
                println!("Created the administrator account 'admin' with the password from SYNCGATE_ADMIN_PASSWORD.");
            } else {
                println!();
                println!("  First start: created the administrator account.");
                println!("    username: admin");
                println!("    password: {}", password.as_str());
                println!("  This password is shown only now; you will be asked to change it.");
                println!();
            }
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(e) => anyhow::bail!("could not create the first administrator: {e:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_is_created_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/secret.key");
        assert!(ensure_key_file(&path).unwrap());
        let first = std::fs::read_to_string(&path).unwrap();
        assert!(!ensure_key_file(&path).unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), first);
        assert_eq!(keyring::read(&path).unwrap().retired_count(), 0);
    }
}
