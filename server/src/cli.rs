//! The command line: `serve` (the default), `migrate`, `create-user` (`create-admin`), `reset-password`,
//! `reset-2fa`, `activesync`, `rotate-key`.

use crate::config::Config;
use crate::{router, startup};
use anyhow::Context;
use app::backend::audit::Origin;
use app::backend::identity::accounts::{self, NewUser};
use app::backend::identity::proofs::{Admin, Reauthenticated};
use app::backend::secrets::keyring;
use app::backend::secrets::rotation::{self, Holder};
use app::backend::{activesync::sync_password, second_factor::lifecycle};
use app::i18n::Lang;
use clap::{Args, Parser, Subcommand};
use std::io::{BufRead, IsTerminal};
use zeroize::Zeroizing;

#[derive(Parser, Debug)]
#[command(
    name = "server",
    version,
    about = "syncgate: ActiveSync and two-factor console"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the console (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Create a user. The password is read from standard input, or asked for on a terminal.
    CreateUser(CreateUserArgs),
    /// Create an administrator: `create-user --admin`.
    CreateAdmin(CreateUserArgs),
    /// Set a new login password for a user; they must change it at next login.
    ResetPassword {
        username: String,
        /// Generate a random password and print it instead of reading one.
        #[arg(long)]
        generate: bool,
    },
    /// Turn off a user's two-factor authentication (lost mailbox) and end their sessions.
    /// Audited as done from the command line.
    #[command(name = "reset-2fa")]
    ResetTwoFactor { username: String },
    /// Turn ActiveSync on or off for a user, or clear their ActiveSync password (the user is
    /// told by email). Audited as done from the command line.
    #[command(name = "activesync")]
    ActiveSync {
        #[arg(value_enum)]
        action: ActiveSyncAction,
        username: String,
    },
    /// Put a new encryption key in the key file (the old ones stay, retired) and re-encrypt
    /// every stored secret under it. The running server picks the new key up by itself.
    RotateKey {
        /// Instead: remove the retired keys from the key file, once no stored secret needs
        /// them (after a rotation has re-encrypted everything).
        #[arg(long)]
        drop_retired: bool,
    },
    /// Copy every table of the configured database into a new, empty one (moving from SQLite
    /// to PostgreSQL). Sessions are not copied: everyone signs in again.
    CopyDb {
        /// The target, e.g. postgres://syncgate@db.example.it/syncgate (or in SYNCGATE_COPY_TO,
        /// which keeps a password out of the process list).
        #[arg(long, env = "SYNCGATE_COPY_TO", hide_env_values = true)]
        to: String,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActiveSyncAction {
    /// "Enable ActiveSync" for the user.
    On,
    Off,
    /// Remove the user's ActiveSync password.
    ClearPassword,
}

#[derive(Args, Debug)]
pub struct CreateUserArgs {
    pub username: String,
    #[arg(long, default_value = "")]
    pub email: String,
    #[arg(long, default_value = "")]
    pub first_name: String,
    #[arg(long, default_value = "")]
    pub last_name: String,
    /// Make the user an administrator.
    #[arg(long)]
    pub admin: bool,
    /// Generate a random password and print it instead of reading one.
    #[arg(long)]
    pub generate: bool,
}

pub async fn run(cli: Cli, config: Config) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::CopyDb { to } => copy_db(&config, &to).await,
        Command::Migrate => {
            startup::open_state(&config).await?;
            println!("Database is up to date.");
            Ok(())
        }
        Command::CreateAdmin(args) => {
            let args = CreateUserArgs {
                admin: true,
                ..args
            };
            create_user(&config, args).await
        }
        Command::CreateUser(args) => create_user(&config, args).await,
        Command::ResetPassword { username, generate } => {
            let state = startup::open_state(&config).await?;
            let password = obtain_password(generate)?;
            let notice = accounts::reset_password(
                &state,
                &Origin::command_line(),
                &username,
                password.clone(),
            )
            .await
            .map_err(describe)?;
            println!("Password reset for '{username}'; their sessions have ended.");
            if let Some(notice) = notice {
                // A short-lived process: let the security notice leave before exiting.
                let _ = notice.await;
            }
            if generate {
                println!("New password: {}", password.as_str());
            }
            Ok(())
        }
        Command::ActiveSync { action, username } => {
            activesync_command(&config, action, &username).await
        }
        Command::RotateKey {
            drop_retired: false,
        } => rotate_key(&config).await,
        Command::RotateKey { drop_retired: true } => drop_retired_keys(&config).await,
        Command::ResetTwoFactor { username } => {
            let state = startup::open_state(&config).await?;
            let id = user_id(&state, &username).await?;
            let (admin, reauth) = operator();
            let origin = Origin::command_line();
            let done = lifecycle::reset(&state, &admin, &reauth, &origin, id, Lang::En)
                .await
                .map_err(describe)?;
            if let Some(delivery) = done.mail {
                // Let the user's notice leave before the process ends.
                let _ = delivery.await;
            }
            println!(
                "Two-factor authentication turned off for '{username}'; their sessions have ended."
            );
            Ok(())
        }
    }
}

/// `create-user` and `create-admin`: the password from standard input, a terminal, or
/// generated and printed.
async fn create_user(config: &Config, args: CreateUserArgs) -> anyhow::Result<()> {
    let state = startup::open_state(config).await?;
    let password = obtain_password(args.generate)?;
    let new = NewUser {
        username: args.username.clone(),
        email: args.email,
        first_name: args.first_name,
        last_name: args.last_name,
        password: password.clone(),
        is_admin: args.admin,
        must_change_password: args.generate,
    };
    let (admin, reauth) = operator();
    let id = accounts::create(&state, &admin, Some(&reauth), &Origin::command_line(), new)
        .await
        .map_err(describe)?;
    println!(
        "Created user '{}' (id {id}).",
        args.username.trim().to_lowercase()
    );
    if args.generate {
        println!("Password: {}", password.as_str());
    }
    Ok(())
}

async fn user_id(
    state: &app::backend::state::AppState,
    username: &str,
) -> anyhow::Result<app::domain::ids::UserId> {
    accounts::id_of(state, &operator().0, username)
        .await
        .map_err(describe)?
        .ok_or_else(|| anyhow::anyhow!("There is no user '{username}'."))
}

/// The operator at the command line holds the database and the key file: they are an admin
/// and need no re-authentication.
fn operator() -> (Admin, Reauthenticated) {
    (
        Admin::at_the_command_line(),
        Reauthenticated::at_the_command_line(),
    )
}

async fn activesync_command(
    config: &Config,
    action: ActiveSyncAction,
    username: &str,
) -> anyhow::Result<()> {
    let state = startup::open_state(config).await?;
    let id = user_id(&state, username).await?;
    let origin = Origin::command_line();
    match action {
        ActiveSyncAction::On | ActiveSyncAction::Off => {
            let on = action == ActiveSyncAction::On;
            sync_password::set_enabled(&state, &operator().0, &origin, id, on)
                .await
                .map_err(describe)?;
            println!(
                "ActiveSync turned {} for '{username}'.",
                if on { "on" } else { "off" }
            );
        }
        ActiveSyncAction::ClearPassword => {
            let (admin, reauth) = operator();
            let done = sync_password::clear(&state, &admin, &reauth, &origin, id, Lang::En)
                .await
                .map_err(describe)?;
            if let Some(delivery) = done.mail {
                let _ = delivery.await;
            }
            println!("ActiveSync password cleared for '{username}'; they have been told by email.");
        }
    }
    Ok(())
}

async fn rotate_key(config: &Config) -> anyhow::Result<()> {
    let state = startup::open_state(config).await?;
    let old = keyring::read(&config.key_file)?;
    let new = old.rotated();
    keyring::replace(&config.key_file, &new)
        .with_context(|| format!("writing the key file {}", config.key_file.display()))?;
    state.secrets.reload()?;
    let report = rotation::reseal_all(&state, &Origin::command_line())
        .await
        .map_err(describe)?;
    println!(
        "New key {} in {} ({} retired key(s) kept to open older copies and backups).",
        state.secrets.key_id(),
        config.key_file.display(),
        new.retired_count()
    );
    println!(
        "Re-encrypted {} stored secret(s); {} already current, {} changed meanwhile.",
        report.moved, report.current, report.changed
    );
    if !report.unreadable.is_empty() {
        anyhow::bail!(
            "{} secret(s) could not be opened with any key ({}): clear them and ask the users to set new ones (the mail settings: enter the secret again on /admin/settings; queued mail: dropped when it comes due)",
            report.unreadable.len(),
            holders(&report.unreadable)
        );
    }
    Ok(())
}

/// Where these secrets are kept, for the operator: user ids, the mail settings, queued mail.
fn holders(holders: &[Holder]) -> String {
    let mut users: Vec<i64> = holders
        .iter()
        .filter_map(|h| h.user())
        .map(|u| u.0)
        .collect();
    users.sort_unstable();
    users.dedup();
    let queued = holders
        .iter()
        .filter(|h| matches!(h, Holder::QueuedMail(_)))
        .count();
    let mut parts = Vec::new();
    if !users.is_empty() {
        parts.push(format!("user ids {users:?}"));
    }
    if holders.iter().any(|h| matches!(h, Holder::MailSettings(_))) {
        parts.push("the mail settings".to_string());
    }
    if queued > 0 {
        parts.push(format!("{queued} queued mail message(s)"));
    }
    parts.join(", ")
}

/// Removes the retired keys, refusing while a stored secret is still sealed under one.
async fn drop_retired_keys(config: &Config) -> anyhow::Result<()> {
    let state = startup::open_state(config).await?;
    let ring = keyring::read(&config.key_file)?;
    if ring.retired_count() == 0 {
        println!("The key file holds no retired key: nothing to drop.");
        return Ok(());
    }
    let current = state.secrets.key_id();
    let waiting = rotation::sealed_under_retired_keys(&state)
        .await
        .map_err(describe)?;
    if !waiting.is_empty() {
        anyhow::bail!(
            "{} stored secret(s) are still sealed under a retired key ({}): run `server rotate-key` first, then drop the retired keys",
            waiting.len(),
            holders(&waiting)
        );
    }
    let codes = rotation::recovery_codes_under_retired_keys(&state)
        .await
        .map_err(describe)?;
    if !codes.is_empty() {
        anyhow::bail!(
            "{} user(s) have recovery codes made under a retired key (user ids {:?}): they make new ones (\"Make new codes\" on their preferences page) before the retired keys can go",
            codes.len(),
            codes
        );
    }
    keyring::replace(&config.key_file, &ring.current_only())
        .with_context(|| format!("writing the key file {}", config.key_file.display()))?;
    state.secrets.reload()?;
    rotation::record_rotation(&state, &Origin::command_line())
        .await
        .map_err(describe)?;
    println!(
        "Dropped {} retired key(s) from {}; key {current} remains.",
        ring.retired_count(),
        config.key_file.display()
    );
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let state = startup::open_state(&config).await?;
    startup::bootstrap_admin(&state).await?;
    app::backend::mail::expiry::spawn_reminders(state.clone());
    let store = router::session_store(&state).await?;
    let secure = config.cookie_secure();
    if secure && config.public_url.starts_with("http://") {
        tracing::warn!(
            "cookies are Secure but SYNCGATE_PUBLIC_URL is plain http: browsers will not keep the session"
        );
    }
    let leptos = router::leptos_options(&config.site_root, config.listen);
    if !config.site_root.join("pkg").exists() {
        tracing::warn!(site_root = %config.site_root.display(), "no built front-end found; pages will not hydrate (run `make build`)");
    }
    let (app, door) = router::build_with_door(state, leptos, store, secure);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    tracing::info!(
        "syncgate listening on http://{} (public URL {})",
        config.listen,
        config.public_url
    );
    crate::connections::serve(
        listener,
        app,
        door,
        config.connections.clone(),
        config.trusted_proxies.clone(),
        shutdown_signal(),
    )
    .await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// A password from a terminal prompt (asked twice), from standard input, or generated.
fn obtain_password(generate: bool) -> anyhow::Result<Zeroizing<String>> {
    if generate {
        return Ok(Zeroizing::new(
            app::backend::identity::passwords::random_password(20),
        ));
    }
    if std::io::stdin().is_terminal() {
        let first = Zeroizing::new(rpassword::prompt_password("Password: ")?);
        let again = Zeroizing::new(rpassword::prompt_password("Again: ")?);
        anyhow::ensure!(*first == *again, "the passwords do not match");
        Ok(first)
    } else {
        let mut line = Zeroizing::new(String::new());
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(Zeroizing::new(
            line.trim_end_matches(['\r', '\n']).to_string(),
        ))
    }
}

/// Turns a backend error into a sentence for the terminal (English).
fn describe(e: app::backend::Error) -> anyhow::Error {
    use app::api::error::AppError;
    use app::backend::Error;
    let t = app::i18n::Lang::En.texts();
    match e {
        Error::Invalid { field, msg } => anyhow::anyhow!("{field}: {}", msg.text(t)),
        Error::Internal(cause) => anyhow::anyhow!("internal error: {cause}"),
        other => anyhow::anyhow!("{}", AppError::from(other).text(t)),
    }
}

/// `copy-db`: the configured database into an empty one, in one transaction.
async fn copy_db(config: &Config, to: &str) -> anyhow::Result<()> {
    use app::backend::store::copy::{self, CopyError};
    let from = startup::open_database(config.database_url.expose()).await?;
    let target = startup::open_database(to).await?;
    let shown = crate::database_errors::shown(to);
    match copy::copy(&from.pool, &target).await {
        Ok(copied) => {
            let counts: Vec<String> = copied.iter().map(|(t, n)| format!("{n} {t}")).collect();
            println!("Copied {} into {shown}.", counts.join(", "));
            println!("Sessions were not copied: everyone signs in again. Point SYNCGATE_DATABASE_URL at the new database and keep the same key file.");
            Ok(())
        }
        Err(CopyError::NotEmpty(table)) => Err(anyhow::anyhow!(
            "{shown} is not empty (its table {table} has rows): copy-db only fills a new, empty database"
        )),
        Err(CopyError::Db(e)) => Err(anyhow::anyhow!(
            "copying into {shown} failed, nothing was copied: {e}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::backend::store::mail_settings::Secret;
    use app::domain::ids::UserId;

    #[test]
    fn holders_name_users_the_mail_settings_and_queued_mail() {
        assert_eq!(holders(&[]), "");
        assert_eq!(
            holders(&[
                Holder::SyncPassword(UserId(7)),
                Holder::AppSecret(UserId(3)),
                Holder::SyncPassword(UserId(3))
            ]),
            "user ids [3, 7]"
        );
        assert_eq!(
            holders(&[
                Holder::AppSecret(UserId(3)),
                Holder::MailSettings(Secret::Password),
                Holder::MailSettings(Secret::ClientSecret),
                Holder::QueuedMail(10),
                Holder::QueuedMail(11)
            ]),
            "user ids [3], the mail settings, 2 queued mail message(s)"
        );
    }
}
