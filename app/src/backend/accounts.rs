//! Accounts: signing in, creating users, changing passwords, turning accounts on and off.

use super::audit::{self, Origin};
use super::notices::{self, Notice};
use super::passwords::PasswordHash;
use super::sessions;
use super::state::AppState;
use super::store::users::{self, UserRecord};
use crate::api::dto::{AuditAction, Profile, UserRow};
use crate::api::error::{AppError, Msg};
use crate::domain::access::{self, Actor, Denied};
use crate::domain::two_factor::{self, AfterPassword};
use crate::domain::validation;
use crate::i18n::Lang;
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
    if username.len() > 254 {
        // No such name can exist; not counted, so it costs the throttle's memory nothing.
        return Err(AppError::LoginFailed);
    }
    // Counted before any hashing (concurrent guesses cannot slip past the limit); a lock is
    // answered without looking at the password, whatever its length.
    let attempt = state
        .throttle
        .begin(username, address, &password, state.now())
        .map_err(|wait| AppError::RateLimited {
            retry_after_secs: wait,
        })?;
    if password.chars().count() > validation::PASSWORD_MAX || attempt.known_wrong {
        // Not worth an argon2 run; it stays counted as a failure.
        return Err(AppError::LoginFailed);
    }

    let user = users::by_username(&state.pool, username)
        .await
        .map_err(AppError::internal)?;
    let matched = state
        .hasher
        .verify(password, user.as_ref().map(UserRecord::hash))
        .await
        .map_err(AppError::internal)?;
    if !matched {
        state.throttle.failed(&attempt);
    }

    match user {
        Some(user) if matched && user.active => {
            state.throttle.succeeded(attempt);
            match two_factor::after_password(user.two_factor(), user.two_factor_is_required()) {
                AfterPassword::CodeNeeded => {
                    sessions::begin_pending(session, &user, state.now()).await?;
                    tracing::info!(user = user.id, %address, "password accepted, code awaited");
                    Ok(LoginStep::CodeNeeded(user))
                }
                AfterPassword::EnrolmentNeeded => {
                    // Not a re-authentication: only the enrolment itself may lean on this
                    // sign-in (see `context::require_reauth_or_fresh_sign_in`).
                    sessions::begin(session, user.id, user.session_version, state.now()).await?;
                    tracing::info!(user = user.id, %address, "login, 2FA enrolment required");
                    Ok(LoginStep::SignedIn(user))
                }
                AfterPassword::SignedIn => {
                    sessions::begin(session, user.id, user.session_version, state.now()).await?;
                    tracing::info!(user = user.id, %address, "login");
                    Ok(LoginStep::SignedIn(user))
                }
            }
        }
        _ => {
            tracing::info!(username = %crate::backend::log_text(username), %address, "login failed");
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
/// The email may be left empty (the user adds one before turning 2FA on).
pub async fn create(state: &AppState, origin: &Origin, new: NewUser) -> Result<i64, AppError> {
    let username =
        validation::username(&new.username).map_err(|m| AppError::invalid("username", m))?;
    let email =
        validation::optional_email(&new.email).map_err(|m| AppError::invalid("email", m))?;
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
        Ok(id) => {
            state.credentials.bump_names();
            audit::record(state, origin, Some(id), AuditAction::UserCreated).await?;
            Ok(id)
        }
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
        .map(|u| u.profile(&state.device_endpoint))
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

/// The user's own password change, after a fresh re-authentication (checked by the
/// caller). Every other session of the user ends; this one continues under a new id.
pub async fn change_own_password(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    origin: &Origin,
    new: Zeroizing<String>,
    confirm: Zeroizing<String>,
    lang: Lang,
) -> Result<(), AppError> {
    validation::login_password(&new, &user.username)
        .map_err(|m| AppError::invalid("new_password", m))?;
    validation::confirmation(&new, &confirm)
        .map_err(|m| AppError::invalid("confirm_password", m))?;
    let unchanged = state
        .hasher
        .verify(new.clone(), Some(user.hash()))
        .await
        .map_err(AppError::internal)?;
    if unchanged {
        return Err(AppError::invalid("new_password", Msg::PasswordUnchanged));
    }
    refuse_sync_password(state, user, &new, "new_password")?;
    let hash = state.hasher.hash(new).await.map_err(AppError::internal)?;
    let version = users::set_password(&state.pool, user.id, &hash, false, state.now())
        .await
        .map_err(AppError::internal)?;
    state.credentials.bump_user(user.id);
    sessions::renew(session, user.id, version).await?;
    audit::record(state, origin, Some(user.id), AuditAction::PasswordChanged).await?;
    notices::send(state, user, Notice::PasswordChanged, lang);
    tracing::info!(user = user.id, "login password changed");
    Ok(())
}

/// The first password of the user's own choosing, replacing a one-time one; refused when the
/// current password is not a one-time one (that is `change_own_password`, after re-auth).
pub async fn choose_password(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    origin: &Origin,
    new: Zeroizing<String>,
    confirm: Zeroizing<String>,
    lang: Lang,
) -> Result<(), AppError> {
    if !user.must_change_password {
        return Err(AppError::Forbidden);
    }
    change_own_password(state, session, user, origin, new, confirm, lang).await
}

/// The user's own email address (where codes and notices go), after a fresh
/// re-authentication. Fixed while it carries the second factor. Nothing changes yet: a code
/// goes to the new address, and `confirm_email_change` makes it the user's once typed back
/// (a typo, or someone else's address, never becomes where security mail goes). Returns the
/// masked new address.
pub async fn start_email_change(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    email: &str,
    resend: bool,
    lang: Lang,
) -> Result<String, AppError> {
    two_factor::may_change_email(user.two_factor())
        .map_err(|_| AppError::invalid("email", Msg::EmailFixedByTwoFactor))?;
    let email = validation::email(email).map_err(|m| AppError::invalid("email", m))?;
    if email == user.email {
        return Err(AppError::invalid("email", Msg::EmailUnchanged));
    }
    if users::email_used_by_other(&state.pool, &email, user.id)
        .await
        .map_err(AppError::internal)?
    {
        // Two accounts on one address would leave neither reachable as `user@domain`.
        return Err(AppError::invalid("email", Msg::EmailTaken));
    }
    // Another address than the one awaiting its code needs a code of its own.
    let other = sessions::held_new_email(session, user.id).await?.as_deref() != Some(&email);
    let sent = super::second_factor::send_code_to(
        state,
        user,
        &email,
        super::otp::Purpose::EmailChange,
        lang,
        resend || other,
    )
    .await?;
    if resend || other {
        sent.or_too_soon()?;
    }
    sessions::hold_new_email(session, user.id, &email).await?;
    Ok(crate::api::dto::mask_email(&email))
}

/// The code from the new address: it becomes the user's, the old address is told.
pub async fn confirm_email_change(
    state: &AppState,
    session: &Session,
    user: &UserRecord,
    origin: &Origin,
    code: &str,
    lang: Lang,
) -> Result<(), AppError> {
    two_factor::may_change_email(user.two_factor())
        .map_err(|_| AppError::invalid("email", Msg::EmailFixedByTwoFactor))?;
    let email = sessions::held_new_email(session, user.id)
        .await?
        .ok_or_else(|| AppError::invalid("code", Msg::CodeMissing))?;
    super::second_factor::check_bound_code(
        state,
        user.id,
        super::otp::Purpose::EmailChange,
        &email,
        code,
    )
    .await?;
    users::set_email(&state.pool, user.id, &email, state.now())
        .await
        .map_err(AppError::internal)?;
    // Checks cached under the old address go; a name that matched nobody may match now.
    state.credentials.bump_user(user.id);
    state.credentials.bump_names();
    sessions::drop_new_email(session).await?;
    audit::record(state, origin, Some(user.id), AuditAction::EmailChanged).await?;
    // To the old address (if any): whoever changed it is not necessarily its owner.
    notices::send(state, user, Notice::EmailChanged, lang);
    tracing::info!(user = user.id, "email changed");
    Ok(())
}

/// A login password equal to the sync password would open the door of a 2FA user and show in
/// clear in the sync-password dialog: refused on every path that sets one.
fn refuse_sync_password(
    state: &AppState,
    user: &UserRecord,
    candidate: &str,
    field: &str,
) -> Result<(), AppError> {
    if super::activesync::is_sync_password(state, user, candidate) {
        return Err(AppError::invalid(field, Msg::PasswordSameAsSync));
    }
    Ok(())
}

/// Sets a password without the old one (CLI `reset-password`); ends the user's sessions,
/// makes them choose their own at next login, and is audited and notified.
pub async fn reset_password(
    state: &AppState,
    origin: &Origin,
    username: &str,
    password: Zeroizing<String>,
) -> Result<Option<tokio::task::JoinHandle<()>>, AppError> {
    let user = users::by_username(&state.pool, username)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)?;
    validation::login_password(&password, &user.username)
        .map_err(|m| AppError::invalid("password", m))?;
    refuse_sync_password(state, &user, &password, "password")?;
    let hash: PasswordHash = state
        .hasher
        .hash(password)
        .await
        .map_err(AppError::internal)?;
    users::set_password(&state.pool, user.id, &hash, true, state.now())
        .await
        .map_err(AppError::internal)?;
    state.credentials.bump_user(user.id);
    audit::record(state, origin, Some(user.id), AuditAction::PasswordReset).await?;
    tracing::info!(user = user.id, by = ?origin.actor_id, "login password reset");
    let lang = user.language.unwrap_or_default();
    Ok(notices::send(state, &user, Notice::PasswordChanged, lang))
}

pub async fn set_active(
    state: &AppState,
    actor: &Actor,
    origin: &Origin,
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
    state.credentials.bump_user(target);
    if !found {
        return Err(AppError::NotFound);
    }
    audit::record_switch(
        state,
        origin,
        Some(target),
        active,
        [AuditAction::Reactivated, AuditAction::Deactivated],
    )
    .await?;
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
        &Origin::command_line(),
        NewUser {
            username: "admin".into(),
            // No address yet: the admin adds theirs on /preferences.
            email: String::new(),
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
