//! The signed-in user's own account.

use super::dto::{Profile, SessionInfo};
use super::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "me/profile")]
pub async fn my_profile() -> Result<Profile, AppError> {
    use crate::backend::{accounts, context};
    let state = context::state()?;
    let me = context::require_user().await?;
    accounts::profile(&state, me.id).await
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

#[server(endpoint = "me/password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use crate::backend::{accounts, context};
    use zeroize::Zeroizing;
    let state = context::state()?;
    let me = context::require_user().await?;
    let session = context::session().await?;
    accounts::change_own_password(
        &state,
        &session,
        me.id,
        Zeroizing::new(current_password),
        Zeroizing::new(new_password),
        Zeroizing::new(confirm_password),
    )
    .await
}
