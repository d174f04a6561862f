//! The signed-in user's own account.

use super::dto::{Profile, SessionInfo};
use super::error::AppError;
use leptos::prelude::*;

/// The user's own data (also while they must enrol in 2FA: the enrolment page shows it).
#[server(endpoint = "me/profile")]
pub async fn my_profile() -> Result<Profile, AppError> {
    use crate::backend::context;
    let state = context::state()?;
    Ok(context::require_signed_in()
        .await?
        .profile(&state.device_endpoint))
}

/// `language` is a language code, or empty to follow the browser.
#[server(endpoint = "me/language")]
pub async fn set_language(language: String) -> Result<SessionInfo, AppError> {
    use crate::api::error::Msg;
    use crate::backend::{context, sessions, store};
    use crate::i18n::Lang;
    let state = context::state()?;
    let me = context::require_user().await?;
    let chosen = match language.trim() {
        "" => None,
        code => Some(
            Lang::from_code(code).ok_or_else(|| AppError::invalid("language", Msg::Required))?,
        ),
    };
    store::users::set_language(&state.pool, me.id, chosen)
        .await
        .map_err(AppError::internal)?;
    let session = context::session().await?;
    sessions::info(&state, &session, context::browser_lang()).await
}

/// A new login password, after a fresh re-authentication.
#[server(endpoint = "me/password")]
pub async fn change_password(
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use crate::backend::{accounts, context};
    use zeroize::Zeroizing;
    let state = context::state()?;
    let me = context::require_user_record().await?;
    context::require_reauth().await?;
    let session = context::session().await?;
    let origin = context::origin(me.id).await;
    accounts::change_own_password(
        &state,
        &session,
        &me,
        &origin,
        Zeroizing::new(new_password),
        Zeroizing::new(confirm_password),
        context::lang_of(&me),
    )
    .await
}

/// The user's own password, chosen right after signing in with a one-time one (set by an
/// admin, the command line or at first start). Nothing else is open until then; the one-time
/// password proven at sign-in is all the proof asked. Returns the updated session.
#[server(endpoint = "me/choose-password")]
pub async fn choose_password(
    new_password: String,
    confirm_password: String,
) -> Result<SessionInfo, AppError> {
    use crate::backend::{accounts, context, sessions};
    use zeroize::Zeroizing;
    let state = context::state()?;
    let me = context::require_session_user().await?;
    let session = context::session().await?;
    let origin = context::origin(me.id).await;
    accounts::choose_password(
        &state,
        &session,
        &me,
        &origin,
        Zeroizing::new(new_password),
        Zeroizing::new(confirm_password),
        context::lang_of(&me),
    )
    .await?;
    sessions::info(&state, &session, context::browser_lang()).await
}

/// A new address for codes and notices, after a fresh re-authentication (also while the user
/// must enrol: they may need to add the address first). A code goes to the new address;
/// returns where (masked). `resend`: a new code (at most one a minute).
#[server(endpoint = "me/email")]
pub async fn change_email(
    email: String,
    #[server(default)] resend: bool,
) -> Result<String, AppError> {
    use crate::backend::{accounts, context};
    let state = context::state()?;
    let me = context::require_signed_in().await?;
    context::require_reauth_or_fresh_sign_in(&me).await?;
    let session = context::session().await?;
    accounts::start_email_change(&state, &session, &me, &email, resend, context::lang_of(&me)).await
}

/// The code from the new address: it replaces the old one, which is told.
#[server(endpoint = "me/email/confirm")]
pub async fn confirm_email(code: String) -> Result<(), AppError> {
    use crate::backend::{accounts, context};
    let state = context::state()?;
    let me = context::require_signed_in().await?;
    let session = context::session().await?;
    let origin = context::origin(me.id).await;
    accounts::confirm_email_change(&state, &session, &me, &origin, &code, context::lang_of(&me))
        .await
}
