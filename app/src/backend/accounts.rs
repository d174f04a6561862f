//! Accounts: signing in, creating users, changing passwords, turning accounts on and off.

use super::passwords::PasswordHash;
use super::sessions;
use super::state::AppState;
use super::store::users::{self, UserRecord};
use crate::api::dto::{Profile, TwoFactorMethod, UserRow};
use crate::api::error::{AppError, Msg};
use crate::domain::access::{self, Actor, Denied};
use crate::domain::validation;
use rand::distributions::{Alphanumeric, DistString};
use tower_sessions::Session;
use zeroize::Zeroizing;

/// A random password from the OS CSPRNG (62 symbols, ~5.95 bits each).
pub fn random_password(len: usize) -> String {
    Alphanumeric.sample_string(&mut rand::rngs::OsRng, len)
}

/// Where a right password leads.
pub enum LoginStep {
    SignedIn(UserRecord),
    /// 2FA is on: the session awaits the emailed code.
    CodeNeeded(UserRecord),
}

/// Username + password. One argon2 verification per attempt whether or not the user exists,
/// the same error for both, throttled per account and per address before any hashing.
pub async fn log_in(
    state: &AppState,
    session: &Session,
    username: &str,
    password: Zeroizing<String>,
    address: &str,
) -> Result<LoginStep, AppError> {
    let username = username.trim();
    if username.is_empty() {
        return Err(AppError::invalid("username", Msg::Required));
    }
    if password.is_empty() {
        return Err(AppError::invalid("password", Msg::Required));
    }
    if password.chars().count() > validation::PASSWORD_MAX || username.len() > 254 {
        // Not worth an argon2 run; still counts as a failure.
        state
            .throttle
            .record_failure(username, address, state.now());
        return Err(AppError::LoginFailed);
    }
    let wait = state.throttle.wait(username, address, state.now());
    if wait > 0 {
        return Err(AppError::RateLimited {
            retry_after_secs: wait,
        });
    }

    let user = users::by_username(&state.pool, username)
        .await
        .map_err(AppError::internal)?;
    let matched = state
        .hasher
        .verify(password, user.as_ref().map(UserRecord::hash))
        .await
        .map_err(AppError::internal)?;

    match user {
        Some(user) if matched && user.active => {
            state.throttle.record_success(username);
            if user.two_factor() == TwoFactorMethod::Email {
                sessions::begin_pending(session, &user, state.now()).await?;
                tracing::info!(user = user.id, %address, "password accepted, code awaited");
                return Ok(LoginStep::CodeNeeded(user));
            }
            sessions::begin(session, user.id, user.session_version).await?;
            tracing::info!(user = user.id, %address, "login");
            Ok(LoginStep::SignedIn(user))
        }
        _ => {
            state
                .throttle
                .record_failure(username, address, state.now());
            tracing::info!(%username, %address, "login failed");
            Err(AppError::LoginFailed)
        }
    }
}

pub struct NewUser {
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub password: Zeroizing<String>,
    pub is_admin: bool,
    pub must_change_password: bool,
}

/// Validates every field (the first problem wins, nothing is written) and creates the user.
pub async fn create(state: &AppState, new: NewUser) -> Result<i64, AppError> {
    let username =
        validation::username(&new.username).map_err(|m| AppError::invalid("username", m))?;
    let email = validation::email(&new.email).map_err(|m| AppError::invalid("email", m))?;
    let first_name =
        validation::person_name(&new.first_name).map_err(|m| AppError::invalid("first_name", m))?;
    let last_name =
        validation::person_name(&new.last_name).map_err(|m| AppError::invalid("last_name", m))?;
    validation::login_password(&new.password, &username)
        .map_err(|m| AppError::invalid("password", m))?;

    if users::by_username(&state.pool, &username)
        .await
        .map_err(AppError::internal)?
        .is_some()
    {
        return Err(AppError::invalid("username", Msg::UsernameTaken));
    }
    let hash = state
        .hasher
        .hash(new.password)
        .await
        .map_err(AppError::internal)?;
    let inserted = users::insert(
        &state.pool,
        users::Insert {
            username: &username,
            email: &email,
            first_name: &first_name,
            last_name: &last_name,
            is_admin: new.is_admin,
            password_hash: &hash,
            must_change_password: new.must_change_password,
            now: state.now(),
        },
    )
    .await;
    match inserted {
        Ok(id) => Ok(id),
        // Two admins creating the same name at once: the unique index decides.
        Err(e)
            if e.as_database_error()
                .is_some_and(|d| d.is_unique_violation()) =>
        {
            Err(AppError::invalid("username", Msg::UsernameTaken))
        }
        Err(e) => Err(AppError::internal(e)),
    }
}

pub async fn profile(state: &AppState, id: i64) -> Result<Profile, AppError> {
    users::by_id(&state.pool, id)
        .await
        .map_err(AppError::internal)?
        .map(|u| u.profile())
        .ok_or(AppError::NotFound)
}

pub async fn list(state: &AppState) -> Result<Vec<UserRow>, AppError> {
    Ok(users::all(&state.pool)
        .await
        .map_err(AppError::internal)?
        .iter()
        .map(UserRecord::row)
        .collect())
}

/// The user's own password change: the current password proves it is them. Every other
/// session of the user ends; this one continues under a new id.
pub async fn change_own_password(
    state: &AppState,
    session: &Session,
    user_id: i64,
    current: Zeroizing<String>,
    new: Zeroizing<String>,
    confirm: Zeroizing<String>,
) -> Result<(), AppError> {
    let user = users::by_id(&state.pool, user_id)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::Unauthenticated)?;
    if current.is_empty() {
        return Err(AppError::invalid("current_password", Msg::Required));
    }
    validation::login_password(&new, &user.username)
        .map_err(|m| AppError::invalid("new_password", m))?;
    validation::confirmation(&new, &confirm)
        .map_err(|m| AppError::invalid("confirm_password", m))?;
    if *current == *new {
        return Err(AppError::invalid("new_password", Msg::PasswordUnchanged));
    }
    let ok = state
        .hasher
        .verify(current, Some(user.hash()))
        .await
        .map_err(AppError::internal)?;
    if !ok {
        return Err(AppError::invalid("current_password", Msg::PasswordWrong));
    }
    let hash = state.hasher.hash(new).await.map_err(AppError::internal)?;
    let version = users::set_password(&state.pool, user_id, &hash, false, state.now())
        .await
        .map_err(AppError::internal)?;
    sessions::renew(session, user_id, version).await?;
    tracing::info!(user = user_id, "login password changed");
    Ok(())
}

/// Sets a password without the old one (CLI `reset-password`); ends the user's sessions and
/// makes them choose their own at next login.
pub async fn reset_password(
    state: &AppState,
    username: &str,
    password: Zeroizing<String>,
) -> Result<(), AppError> {
    let user = users::by_username(&state.pool, username)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)?;
    validation::login_password(&password, &user.username)
        .map_err(|m| AppError::invalid("password", m))?;
    let hash: PasswordHash = state
        .hasher
        .hash(password)
        .await
        .map_err(AppError::internal)?;
    users::set_password(&state.pool, user.id, &hash, true, state.now())
        .await
        .map_err(AppError::internal)?;
    Ok(())
}

pub async fn set_active(
    state: &AppState,
    actor: &Actor,
    target: i64,
    active: bool,
) -> Result<(), AppError> {
    access::may_set_active(actor, target, active).map_err(|d| match d {
        Denied::SelfDeactivation => AppError::invalid("active", Msg::CannotDeactivateSelf),
        Denied::NotAdmin | Denied::Inactive => AppError::Forbidden,
    })?;
    let found = users::set_active(&state.pool, target, active, state.now())
        .await
        .map_err(AppError::internal)?;
    if !found {
        return Err(AppError::NotFound);
    }
    tracing::info!(
        admin = actor.user_id,
        user = target,
        active,
        "account status changed"
    );
    Ok(())
}

/// On a database without users, creates `admin` and returns the one-time password to show.
/// `preset` (from `SYNCGATE_ADMIN_PASSWORD`) replaces the random one, for tests and scripts.
pub async fn bootstrap_admin(
    state: &AppState,
    preset: Option<Zeroizing<String>>,
) -> Result<Option<Zeroizing<String>>, AppError> {
    if users::count(&state.pool)
        .await
        .map_err(AppError::internal)?
        > 0
    {
        return Ok(None);
    }
    let must_change = preset.is_none();
    let password = preset.unwrap_or_else(|| Zeroizing::new(random_password(20)));
    create(
        state,
        NewUser {
            username: "admin".into(),
            email: "admin@localhost.localdomain".into(),
            first_name: String::new(),
            last_name: "Administrator".into(),
            password: password.clone(),
            is_admin: true,
            must_change_password: must_change,
        },
    )
    .await?;
    Ok(Some(password))
}
