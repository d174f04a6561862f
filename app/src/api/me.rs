//! The signed-in user's own account.

use super::dto::{Profile, SessionInfo};
use super::error::AppError;
use leptos::prelude::*;

/// The user's own data (also while they must enrol in 2FA: the enrolment page shows it).
#[server(endpoint = "me/profile")]
pub async fn my_profile() -> Result<Profile, AppError> {
    use crate::api::context::Request;
    use crate::backend::identity::views;
    let rq = Request::extract().await?;
    let me = rq.signed_in().await?;
    Ok(views::own_profile(&rq.state, &me))
}

/// `language` is a language code, or empty to follow the browser.
#[server(endpoint = "me/language")]
pub async fn set_language(language: String) -> Result<SessionInfo, AppError> {
    use crate::api::context::Request;
    use crate::api::error::Msg;
    use crate::backend::identity::own_account;
    use crate::i18n::Lang;
    let rq = Request::extract().await?;
    let me = rq.user().await?;
    let chosen = match language.trim() {
        "" => None,
        code => Some(
            Lang::from_code(code)
                .ok_or_else(|| AppError::invalid("language", Msg::UnknownLanguage))?,
        ),
    };
    Ok(own_account::set_language(&rq.state, &rq.session, &me, chosen, rq.browser_lang).await?)
}

/// "Sync with my devices": `folder` is `contacts` or `calendar`.
#[server(endpoint = "me/sync-folder")]
pub async fn set_folder_sync(folder: String, on: bool) -> Result<Profile, AppError> {
    use crate::api::context::Request;
    use crate::api::error::Msg;
    use crate::backend::pim::sync_choice;
    use crate::domain::model::folders::FolderKind;
    let rq = Request::extract().await?;
    let me = rq.user().await?;
    let kind =
        FolderKind::from_code(&folder).ok_or_else(|| AppError::invalid("folder", Msg::Required))?;
    let origin = rq.origin(me.id);
    Ok(sync_choice::set(&rq.state, &me, &origin, kind, on).await?)
}

/// A new login password, after a fresh re-authentication.
#[server(endpoint = "me/password")]
pub async fn change_password(
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use crate::api::context::{to_completion, Request};
    use crate::backend::identity::own_account::{self, NewPassword};
    use zeroize::Zeroizing;
    let rq = Request::extract().await?;
    let me = rq.user().await?;
    let reauth = rq.reauthenticated().await?;
    let new = NewPassword {
        new: Zeroizing::new(new_password),
        confirm: Zeroizing::new(confirm_password),
    };
    let (origin, lang) = (rq.origin(me.id), rq.lang_of(&me));
    to_completion(async move {
        let (state, session) = (&rq.state, &rq.session);
        own_account::change_own_password(state, session, &me, &reauth, &origin, new, lang).await
    })
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
    use crate::api::context::{to_completion, Request};
    use crate::backend::identity::own_account::{self, NewPassword};
    use zeroize::Zeroizing;
    let rq = Request::extract().await?;
    let me = rq.session_user().await?;
    let new = NewPassword {
        new: Zeroizing::new(new_password),
        confirm: Zeroizing::new(confirm_password),
    };
    let origin = rq.origin(me.id);
    let langs = (rq.lang_of(&me), rq.browser_lang);
    to_completion(async move {
        own_account::choose_password(&rq.state, &rq.session, &me, &origin, new, langs).await
    })
    .await
}

/// A new address for codes and notices, after a fresh re-authentication (also while the user
/// must enrol: they may need to add the address first). A code goes to the new address;
/// returns where (masked). `resend`: a new code (at most one a minute).
#[server(endpoint = "me/email")]
pub async fn change_email(
    email: String,
    #[server(default)] resend: bool,
) -> Result<String, AppError> {
    use crate::api::context::Request;
    use crate::backend::identity::own_account;
    let rq = Request::extract().await?;
    let me = rq.signed_in().await?;
    let reauth = rq.reauthenticated_or_enrolling(&me).await?;
    let lang = rq.lang_of(&me);
    let state = &rq.state;
    Ok(
        own_account::start_email_change(state, &rq.session, &me, &reauth, &email, resend, lang)
            .await?,
    )
}

/// The code from the new address: it replaces the old one, which is told.
#[server(endpoint = "me/email/confirm")]
pub async fn confirm_email(code: String) -> Result<(), AppError> {
    use crate::api::context::{to_completion, Request};
    use crate::backend::identity::own_account;
    let rq = Request::extract().await?;
    let me = rq.signed_in().await?;
    let (origin, lang) = (rq.origin(me.id), rq.lang_of(&me));
    to_completion(async move {
        let (state, session) = (&rq.state, &rq.session);
        own_account::confirm_email_change(state, session, &me, &origin, &code, lang).await
    })
    .await
}
