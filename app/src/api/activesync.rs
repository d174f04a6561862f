//! The user's own ActiveSync password. Viewing, changing and removing it need a fresh
//! re-authentication (the backend takes the proof); the cleartext only ever goes to its owner.

use super::dto::SyncPasswordView;
use super::error::AppError;
use leptos::prelude::*;

/// The current sync password in clear, to its owner only.
#[server(endpoint = "activesync/view")]
pub async fn view_sync_password() -> Result<SyncPasswordView, AppError> {
    use crate::api::context::Request;
    use crate::backend::activesync::sync_password;
    let rq = Request::extract().await?;
    let me = rq.user().await?;
    let reauth = rq.reauthenticated().await?;
    Ok(sync_password::view(&rq.state, &me, &reauth)?)
}

#[server(endpoint = "activesync/change")]
pub async fn change_sync_password(
    new_sync_password: String,
    confirm_sync_password: String,
) -> Result<(), AppError> {
    use crate::api::context::Request;
    use crate::backend::activesync::sync_password::{self, NewSyncPassword};
    use zeroize::Zeroizing;
    let rq = Request::extract().await?;
    let me = rq.user().await?;
    let reauth = rq.reauthenticated().await?;
    let new = NewSyncPassword {
        new: Zeroizing::new(new_sync_password),
        confirm: Zeroizing::new(confirm_sync_password),
    };
    let (origin, lang) = (rq.origin(me.id), rq.lang_of(&me));
    Ok(sync_password::change(&rq.state, &me, &reauth, &origin, new, lang).await?)
}

/// Removes the user's own sync password (refused while 2FA needs it).
#[server(endpoint = "activesync/remove")]
pub async fn remove_sync_password() -> Result<(), AppError> {
    use crate::api::context::Request;
    use crate::backend::activesync::sync_password;
    let rq = Request::extract().await?;
    let me = rq.user().await?;
    let reauth = rq.reauthenticated().await?;
    Ok(sync_password::remove(&rq.state, &me, &reauth, &rq.origin(me.id)).await?)
}

/// A strong random suggestion for the form (not stored until saved).
#[server(endpoint = "activesync/generate")]
pub async fn generate_sync_password() -> Result<String, AppError> {
    use crate::api::context::Request;
    use crate::backend::activesync::sync_password;
    // Also offered while a user who must enrol sets the sync password that 2FA needs.
    Request::extract().await?.signed_in().await?;
    Ok(sync_password::generate())
}
