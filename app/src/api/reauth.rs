//! Re-authentication (SPEC 1.4): the dialog opens with `reauth/start` (which mails a code when
//! 2FA is on) and succeeds with `reauth`. Sensitive server functions check the result with
//! `context::require_reauth`.

use super::dto::ReauthChallenge;
use super::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "reauth/start")]
pub async fn start_reauth() -> Result<ReauthChallenge, AppError> {
    use crate::backend::{context, reauth};
    let state = context::state()?;
    let me = context::require_signed_in().await?;
    reauth::challenge(&state, &me, context::lang_of(&me)).await
}

/// "Send a new code" in the dialog.
#[server(endpoint = "reauth/resend")]
pub async fn resend_reauth_code() -> Result<(), AppError> {
    use crate::backend::{context, reauth};
    let state = context::state()?;
    let me = context::require_signed_in().await?;
    reauth::resend_code(&state, &me, context::lang_of(&me)).await
}

/// The password, and the emailed code when 2FA is on. Success is good for 5 minutes in this
/// session and rotates its id.
#[server(endpoint = "reauth")]
pub async fn reauthenticate(
    reauth_password: String,
    reauth_code: Option<String>,
) -> Result<(), AppError> {
    use crate::backend::{context, reauth};
    let state = context::state()?;
    let session = context::session().await?;
    let me = context::require_signed_in().await?;
    let address = context::client_address().await;
    reauth::confirm(
        &state,
        &session,
        &me,
        zeroize::Zeroizing::new(reauth_password),
        reauth_code.as_deref().unwrap_or_default(),
        &address,
    )
    .await
}
