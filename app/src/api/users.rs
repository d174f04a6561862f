//! The admin's user management. Every function asks for an admin itself (the backend takes the
//! proof): hiding a button is not access control.

use super::dto::{AuditEvent, Profile, UserPage};
use super::error::AppError;
use crate::domain::ids::UserId;
use leptos::prelude::*;

/// A page of the user list: `q` searched in usernames, names and emails, ordered by `sort`
/// (`username`, `name`, `email`, `last_seen`), `page` from 1; all optional.
#[server(endpoint = "users/list")]
pub async fn list_users(
    q: Option<String>,
    sort: Option<String>,
    page: Option<u32>,
) -> Result<UserPage, AppError> {
    use crate::api::context::Request;
    use crate::backend::identity::accounts::{self, ListQuery};
    use crate::domain::model::UserSort;
    let rq = Request::extract().await?;
    let (me, admin) = rq.admin().await?;
    let query = ListQuery {
        search: q.as_deref().unwrap_or_default(),
        sort: UserSort::parse(sort.as_deref().unwrap_or_default()),
        page: page.unwrap_or(1),
    };
    let lang = rq.lang_of(&me);
    Ok(accounts::list(&rq.state, &admin, &me, lang, query).await?)
}

/// `is_admin` comes from a checkbox: present ("on") or absent.
#[server(endpoint = "users/create")]
pub async fn create_user(
    username: String,
    email: String,
    first_name: String,
    last_name: String,
    password: String,
    is_admin: Option<String>,
) -> Result<UserId, AppError> {
    use crate::api::context::Request;
    use crate::backend::identity::accounts;
    let rq = Request::extract().await?;
    let (me, admin) = rq.admin().await?;
    let is_admin = is_admin.is_some_and(|v| !v.is_empty() && v != "false");
    // A new administrator needs the admin's own fresh proof (checked by the backend).
    let reauth = rq.reauthenticated().await.ok();
    let new = accounts::NewUser {
        username,
        email,
        first_name,
        last_name,
        password: zeroize::Zeroizing::new(password),
        is_admin,
        must_change_password: true,
    };
    Ok(accounts::create(&rq.state, &admin, reauth.as_ref(), &rq.origin(me.id), new).await?)
}

#[server(endpoint = "users/get")]
pub async fn get_user(id: UserId) -> Result<Profile, AppError> {
    use crate::api::context::Request;
    use crate::backend::identity::accounts;
    let rq = Request::extract().await?;
    let (_, admin) = rq.admin().await?;
    Ok(accounts::profile(&rq.state, &admin, id).await?)
}

/// Deactivating asks for the admin's own fresh proof (SPEC 1.4); reactivating does not.
#[server(endpoint = "users/active")]
pub async fn set_user_active(id: UserId, active: bool) -> Result<Profile, AppError> {
    use crate::api::context::Request;
    use crate::backend::identity::accounts;
    let rq = Request::extract().await?;
    let (me, admin) = rq.admin().await?;
    let reauth = rq.reauthenticated().await.ok();
    let origin = rq.origin(me.id);
    Ok(accounts::set_active(&rq.state, &admin, reauth.as_ref(), &origin, id, active).await?)
}

/// "Require two-factor authentication" for one user; lifting it needs a fresh proof.
#[server(endpoint = "users/require-two-factor")]
pub async fn set_user_two_factor_required(id: UserId, required: bool) -> Result<Profile, AppError> {
    use crate::api::context::Request;
    use crate::backend::second_factor::lifecycle;
    let rq = Request::extract().await?;
    let (me, admin) = rq.admin().await?;
    let reauth = rq.reauthenticated().await.ok();
    let origin = rq.origin(me.id);
    Ok(lifecycle::set_required(&rq.state, &admin, reauth.as_ref(), &origin, id, required).await?)
}

/// "Reset two-factor authentication": off, and the user's sessions end.
#[server(endpoint = "users/reset-two-factor")]
pub async fn reset_user_two_factor(id: UserId) -> Result<Profile, AppError> {
    use crate::api::context::Request;
    use crate::backend::second_factor::lifecycle;
    let rq = Request::extract().await?;
    let (me, admin) = rq.admin().await?;
    let reauth = rq.reauthenticated().await?;
    let origin = rq.origin(me.id);
    let lang = rq.browser_lang;
    let done = lifecycle::reset(&rq.state, &admin, &reauth, &origin, id, lang).await?;
    Ok(done.profile)
}

/// What the admin sees after "Reset login password": the user as they are now and the new
/// password, shown this once.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct PasswordReset {
    pub profile: Profile,
    pub password: String,
}

/// "Reset login password": the typed one, or one made up (empty `new_password`); the user
/// must change it at the next sign-in and their sessions end.
#[server(endpoint = "users/reset-password")]
pub async fn reset_user_password(
    id: UserId,
    new_password: String,
) -> Result<PasswordReset, AppError> {
    use crate::api::context::Request;
    use crate::backend::identity::accounts;
    let rq = Request::extract().await?;
    let (me, admin) = rq.admin().await?;
    let reauth = rq.reauthenticated().await?;
    let origin = rq.origin(me.id);
    let lang = rq.browser_lang;
    let typed = zeroize::Zeroizing::new(new_password);
    let (done, password) =
        accounts::reset_password_by_admin(&rq.state, &admin, &reauth, &origin, id, typed, lang)
            .await?;
    Ok(PasswordReset {
        profile: done.profile,
        password: password.to_string(),
    })
}

/// "Edit email" for one user.
#[server(endpoint = "users/email")]
pub async fn set_user_email(id: UserId, email: String) -> Result<Profile, AppError> {
    use crate::api::context::Request;
    use crate::backend::identity::accounts;
    let rq = Request::extract().await?;
    let (me, admin) = rq.admin().await?;
    let reauth = rq.reauthenticated().await?;
    let origin = rq.origin(me.id);
    let lang = rq.browser_lang;
    let done =
        accounts::set_email_by_admin(&rq.state, &admin, &reauth, &origin, id, &email, lang).await?;
    Ok(done.profile)
}

/// "Enable ActiveSync" for one user.
#[server(endpoint = "users/activesync")]
pub async fn set_user_activesync(id: UserId, enabled: bool) -> Result<Profile, AppError> {
    use crate::api::context::Request;
    use crate::backend::activesync::sync_password;
    let rq = Request::extract().await?;
    let (me, admin) = rq.admin().await?;
    let origin = rq.origin(me.id);
    Ok(sync_password::set_enabled(&rq.state, &admin, &origin, id, enabled).await?)
}

/// "Clear ActiveSync password": admins remove it; they never see it.
#[server(endpoint = "users/clear-sync-password")]
pub async fn clear_user_sync_password(id: UserId) -> Result<Profile, AppError> {
    use crate::api::context::Request;
    use crate::backend::activesync::sync_password;
    let rq = Request::extract().await?;
    let (me, admin) = rq.admin().await?;
    let reauth = rq.reauthenticated().await?;
    let origin = rq.origin(me.id);
    let lang = rq.browser_lang;
    let done = sync_password::clear(&rq.state, &admin, &reauth, &origin, id, lang).await?;
    Ok(done.profile)
}

/// The user's audit trail, newest first.
#[server(endpoint = "users/audit")]
pub async fn user_audit(id: UserId) -> Result<Vec<AuditEvent>, AppError> {
    use crate::api::context::Request;
    use crate::backend::audit;
    let rq = Request::extract().await?;
    let (_, admin) = rq.admin().await?;
    Ok(audit::for_user(&rq.state, &admin, id).await?)
}
