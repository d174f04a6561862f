//! Accounts as admins manage them: creating users, the list, turning accounts on and off,
//! resetting a password (command line), and the first administrator.

use crate::backend::audit::{self, Origin};
use crate::backend::changes::{self, Change};
use crate::backend::error::Error;
use crate::backend::identity::own_account;
use crate::backend::identity::passwords::{random_password, PasswordHash};
use crate::backend::identity::proofs::{Admin, Reauthenticated};
use crate::backend::identity::views;
use crate::backend::mail::notices::{self, Notice};
use crate::backend::state::AppState;
use crate::backend::store::users::{self, UserRecord};
use crate::domain::access::{self, Denied};
use crate::domain::ids::UserId;
use crate::domain::messages::Msg;
use crate::domain::model::{
    page_count, AuditAction, Profile, UserPage, UserRow, UserSort, USERS_PAGE_SIZE,
};
use crate::domain::validation;
use crate::i18n::Lang;
use zeroize::Zeroizing;

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
/// A new administrator is a new key to everything: it takes the admin's fresh re-authentication.
pub async fn create(
    state: &AppState,
    _: &Admin,
    reauth: Option<&Reauthenticated>,
    origin: &Origin,
    new: NewUser,
) -> Result<UserId, Error> {
    if new.is_admin && reauth.is_none() {
        return Err(Error::ReauthRequired);
    }
    let username =
        validation::username(&new.username).map_err(|m| Error::invalid("username", m))?;
    let email = validation::optional_email(&new.email).map_err(|m| Error::invalid("email", m))?;
    let first_name =
        validation::person_name(&new.first_name).map_err(|m| Error::invalid("first_name", m))?;
    let last_name =
        validation::person_name(&new.last_name).map_err(|m| Error::invalid("last_name", m))?;
    validation::login_password(&new.password, &username)
        .map_err(|m| Error::invalid("password", m))?;

    if users::by_username(&state.pool, &username)
        .await
        .map_err(Error::internal)?
        .is_some()
    {
        return Err(Error::invalid("username", Msg::UsernameTaken));
    }
    let hash = state
        .hasher
        .hash(new.password)
        .await
        .map_err(Error::internal)?;
    let mut change = audit::Change::begin(state).await?;
    let inserted = users::insert(
        change.db(),
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
            change
                .commit(origin, Some(id), AuditAction::UserCreated)
                .await?;
            changes::announce(state, Change::Names).await;
            Ok(id)
        }
        // Two admins creating the same name at once: the unique index decides.
        Err(e)
            if e.as_database_error()
                .is_some_and(|d| d.is_unique_violation()) =>
        {
            Err(Error::invalid("username", Msg::UsernameTaken))
        }
        Err(e) => Err(Error::internal(e)),
    }
}

/// A user's profile, for an admin.
pub async fn profile(state: &AppState, _: &Admin, id: UserId) -> Result<Profile, Error> {
    views::profile(state, id).await
}

/// The user list, for an admin.
/// What the admin asked of the list: words to search, the order, the page (1-based).
pub struct ListQuery<'a> {
    pub search: &'a str,
    pub sort: UserSort,
    pub page: u32,
}

/// A page of the user list, searched and ordered by the database; "last device seen" is
/// written in the viewer's language and time zone.
pub async fn list(
    state: &AppState,
    _: &Admin,
    viewer: &UserRecord,
    lang: Lang,
    q: ListQuery<'_>,
) -> Result<UserPage, Error> {
    let size = USERS_PAGE_SIZE;
    let search: String = q.search.chars().take(200).collect();
    let offset = i64::from(q.page.max(1) - 1) * i64::from(size);
    let (mut listed, total) = users::page(&state.pool, &search, q.sort, offset, i64::from(size))
        .await
        .map_err(Error::internal)?;
    let total = u64::try_from(total).unwrap_or(0);
    let pages = page_count(total, size);
    let mut page = q.page.max(1);
    if page > pages {
        // Past the end (users removed, or a stale link): the last page instead.
        page = pages;
        let offset = i64::from(pages - 1) * i64::from(size);
        listed = users::page(&state.pool, &search, q.sort, offset, i64::from(size))
            .await
            .map_err(Error::internal)?
            .0;
    }
    let rows = listed
        .into_iter()
        .map(|l| UserRow {
            last_seen: l
                .last_seen
                .map(|at| views::seen_text(at, &viewer.time_zone, lang)),
            last_device: l.last_device,
            ..l.user.row()
        })
        .collect();
    Ok(UserPage {
        rows,
        total,
        page,
        pages,
    })
}

/// Sets a password without the old one (CLI `reset-password`); ends the user's sessions,
/// makes them choose their own at next login, and is audited and notified.
pub async fn reset_password(
    state: &AppState,
    origin: &Origin,
    username: &str,
    password: Zeroizing<String>,
) -> Result<Option<tokio::task::JoinHandle<()>>, Error> {
    let user = users::by_username(&state.pool, username)
        .await
        .map_err(Error::internal)?
        .ok_or(Error::NotFound)?;
    validation::login_password(&password, &user.username)
        .map_err(|m| Error::invalid("password", m))?;
    own_account::refuse_sync_password(state, &user, &password, "password")?;
    let hash: PasswordHash = state.hasher.hash(password).await.map_err(Error::internal)?;
    let mut change = audit::Change::begin(state).await?;
    users::set_password(change.db(), user.id, &hash, true, None, state.now())
        .await
        .map_err(Error::internal)?;
    let action = AuditAction::PasswordReset;
    change.commit(origin, Some(user.id), action).await?;
    changes::announce(state, Change::User(user.id)).await;
    tracing::info!(user = %user.id, by = ?origin.actor_id, "login password reset");
    let lang = user.language.unwrap_or_default();
    Ok(notices::send(state, &user, Notice::PasswordChanged, lang))
}

/// The length of a password made up for an admin's reset (~95 bits).
const MADE_UP_PASSWORD: usize = 16;

/// The admin's "Reset login password" on a user's page: the password the admin typed, or one
/// made up here (empty field); either is shown to the admin once. The user must choose their
/// own at the next sign-in, and every session of theirs ends. Audited; the user is told.
pub async fn reset_password_by_admin(
    state: &AppState,
    _: &Admin,
    _: &Reauthenticated,
    origin: &Origin,
    target: UserId,
    typed: Zeroizing<String>,
    lang: crate::domain::lang::Lang,
) -> Result<(views::Changed, Zeroizing<String>), Error> {
    let user = views::record(state, target).await?;
    let password = if typed.is_empty() {
        Zeroizing::new(random_password(MADE_UP_PASSWORD))
    } else {
        typed
    };
    validation::login_password(&password, &user.username)
        .map_err(|m| Error::invalid("new_password", m))?;
    own_account::refuse_sync_password(state, &user, &password, "new_password")?;
    let hash: PasswordHash = state
        .hasher
        .hash(password.clone())
        .await
        .map_err(Error::internal)?;
    let mut change = audit::Change::begin(state).await?;
    users::set_password(change.db(), target, &hash, true, None, state.now())
        .await
        .map_err(Error::internal)?;
    change
        .commit(origin, Some(target), AuditAction::PasswordReset)
        .await?;
    tracing::info!(user = %target, by = ?origin.actor_id, "login password reset by an admin");
    let changed = views::Changed::told(state, &user, Notice::PasswordChanged, lang).await?;
    Ok((changed, password))
}

/// The admin's "Edit email" on a user's page. A user whose second factor is email keeps one.
/// Their sessions end (the address may be their second factor); the old address and the new
/// are told. Audited.
pub async fn set_email_by_admin(
    state: &AppState,
    _: &Admin,
    _: &Reauthenticated,
    origin: &Origin,
    target: UserId,
    email: &str,
    lang: crate::domain::lang::Lang,
) -> Result<views::Changed, Error> {
    let user = views::record(state, target).await?;
    let email_factor = user.two_factor_method.as_deref() == Some("email");
    let email = if email_factor {
        validation::email(email)
    } else {
        validation::optional_email(email)
    }
    .map_err(|m| Error::invalid("email", m))?;
    if email == user.email {
        return Ok(views::Changed {
            profile: views::profile(state, target).await?,
            mail: None,
        });
    }
    let mut change = audit::Change::begin(state).await?;
    users::set_email(change.db(), target, &email, None, state.now())
        .await
        .map_err(Error::internal)?;
    change
        .commit(origin, Some(target), AuditAction::EmailChanged)
        .await?;
    let mut moved = user.clone();
    moved.email = email;
    notices::send(state, &moved, Notice::EmailChanged, lang);
    // The old address is told by `told` (it mails the record as it was).
    views::Changed::told(state, &user, Notice::EmailChanged, lang).await
}

/// Deactivating ends the user's sessions and weakens their account for good measure: it
/// takes the admin's fresh re-authentication. Returns the profile after the change.
pub async fn set_active(
    state: &AppState,
    admin: &Admin,
    reauth: Option<&Reauthenticated>,
    origin: &Origin,
    target: UserId,
    active: bool,
) -> Result<Profile, Error> {
    if let Some(actor) = admin.actor() {
        access::may_set_active(&actor, target, active).map_err(|d| match d {
            Denied::SelfDeactivation => Error::invalid("active", Msg::CannotDeactivateSelf),
            Denied::NotAdmin | Denied::Inactive => Error::Forbidden,
        })?;
    }
    if !active && reauth.is_none() {
        return Err(Error::ReauthRequired);
    }
    let mut change = audit::Change::begin(state).await?;
    let found = users::set_active(change.db(), target, active, state.now())
        .await
        .map_err(Error::internal)?;
    if !found {
        return Err(Error::NotFound);
    }
    let action = audit::switch(active, [AuditAction::Reactivated, AuditAction::Deactivated]);
    change.commit(origin, Some(target), action).await?;
    changes::announce(state, Change::User(target)).await;
    tracing::info!(by = ?origin.actor_id, user = %target, active, "account status changed");
    views::profile(state, target).await
}

/// On a database without users, creates `admin` and returns the one-time password to show.
/// `preset` (from `SYNCGATE_ADMIN_PASSWORD`) replaces the random one, for tests and scripts.
pub async fn bootstrap_admin(
    state: &AppState,
    preset: Option<Zeroizing<String>>,
) -> Result<Option<Zeroizing<String>>, Error> {
    if users::count(&state.pool).await.map_err(Error::internal)? > 0 {
        return Ok(None);
    }
    let must_change = preset.is_none();
    let password = preset.unwrap_or_else(|| {
        Zeroizing::new(crate::backend::identity::passwords::random_password(20))
    });
    create(
        state,
        &Admin::at_the_command_line(),
        Some(&Reauthenticated::at_the_command_line()),
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

/// A user's id by name, for the command line.
pub async fn id_of(state: &AppState, _: &Admin, username: &str) -> Result<Option<UserId>, Error> {
    Ok(users::by_username(&state.pool, username)
        .await
        .map_err(Error::internal)?
        .map(|u| u.id))
}
