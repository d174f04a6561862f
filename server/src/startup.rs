//! Everything that happens before the first request: database, migrations, key file, the
//! first admin.

use crate::config::Config;
use anyhow::Context;
use app::backend::mail::{self, Mailer, Transport};
use app::backend::{accounts, clock::SystemClock, state::AppState, store};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use zeroize::Zeroizing;

/// Opens the database (creating its folder) and applies pending migrations.
pub async fn open_state(config: &Config) -> anyhow::Result<AppState> {
    if let Some(path) = config.database_url.strip_prefix("sqlite://") {
        if let Some(parent) = Path::new(path.split('?').next().unwrap_or(path)).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).with_context(|| {
                    format!("creating the database folder {}", parent.display())
                })?;
            }
        }
    }
    let pool = store::connect(&config.database_url)
        .await
        .context("opening the database")?;
    store::migrate(&pool).await.context("applying migrations")?;
    if ensure_key_file(&config.key_file)? {
        tracing::info!(path = %config.key_file.display(), "generated a new encryption key file");
    }
    let key = read_key_file(&config.key_file)?;
    let transport = match &config.smtp_url {
        Some(url) => Transport::Smtp(mail::smtp_transport(url).map_err(anyhow::Error::msg)?),
        None => Transport::Outbox(config.data_dir.join("outbox")),
    };
    let mailer = Mailer::start(transport, &config.mail_from)
        .map_err(|e| anyhow::anyhow!("SYNCGATE_MAIL_FROM: {e}"))?;
    Ok(
        AppState::new(pool, Arc::new(SystemClock), *key, mailer)
            .with_public_url(&config.public_url),
    )
}

/// Reads the 64 hex digits of the key file.
pub fn read_key_file(path: &Path) -> anyhow::Result<Zeroizing<[u8; 32]>> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path)
            .with_context(|| format!("reading the key file {}", path.display()))?,
    );
    let hex = text.trim();
    anyhow::ensure!(
        hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
        "the key file {} must hold 64 hexadecimal digits",
        path.display()
    );
    let mut key = Zeroizing::new([0u8; 32]);
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("checked to be hex digits");
    }
    Ok(key)
}

/// Creates a 256-bit key file readable only by its owner, unless one exists. The key
/// encrypts stored secrets (ActiveSync passwords).
pub fn ensure_key_file(path: &Path) -> anyhow::Result<bool> {
    if path.exists() {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut key = Zeroizing::new([0u8; 32]);
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, key.as_mut());
    let hex = Zeroizing::new(key.iter().map(|b| format!("{b:02x}")).collect::<String>());
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("creating the key file {}", path.display()))?;
    file.write_all(hex.as_bytes())?;
    file.write_all(b"\n")?;
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
    fn key_file_is_created_once_with_owner_only_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/secret.key");
        assert!(ensure_key_file(&path).unwrap());
        let first = std::fs::read_to_string(&path).unwrap();
        assert_eq!(first.trim().len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(!ensure_key_file(&path).unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), first);
        let key = read_key_file(&path).unwrap();
        assert_eq!(
            key.iter().map(|b| format!("{b:02x}")).collect::<String>(),
            first.trim()
        );
    }

    #[test]
    fn a_damaged_key_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        std::fs::write(&path, "not hex").unwrap();
        let e = read_key_file(&path).unwrap_err().to_string();
        assert!(e.contains("64 hexadecimal digits"), "{e}");
        assert!(!e.contains("not hex"), "the key's content is never echoed");
    }
}
