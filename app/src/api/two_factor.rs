//! The user's own second factor: enrolment by emailed code, and turning it off. Both need a
//! fresh re-authentication; enrolment is also what a user who must enrol may do.

use super::dto::SessionInfo;
use super::error::AppError;
use leptos::prelude::*;

/// Mails the enrolment code; returns the masked address. `resend` asks for a new code even
/// if one was sent less than a minute ago (and is refused then with the wait). When ActiveSync
/// is enabled for the user and no sync password is set, the new sync password comes with the
/// request (SPEC 1.3) and is committed with 2FA by `two-factor/confirm`.
#[server(endpoint = "two-factor/enrol")]
pub async fn start_enrolment(
    resend: bool,
    new_sync_password: Option<String>,
    confirm_sync_password: Option<String>,
) -> Result<String, AppError> {
    use crate::backend::{context, two_factor};
    use zeroize::Zeroizing;
    let state = context::state()?;
    let session = context::session().await?;
    let me = context::require_signed_in().await?;
    context::require_reauth_or_fresh_sign_in(&me).await?;
    let sync_password = new_sync_password.map(|new| {
        (
            Zeroizing::new(new),
            Zeroizing::new(confirm_sync_password.unwrap_or_default()),
        )
    });
    two_factor::start_enrolment(
        &state,
        &session,
        &me,
        context::lang_of(&me),
        resend,
        sync_password,
    )
    .await
}

/// The code from the enrolment mail: 2FA goes on. Returns the updated session.
#[server(endpoint = "two-factor/confirm")]
pub async fn confirm_enrolment(code: String) -> Result<SessionInfo, AppError> {
    use crate::backend::{context, sessions, two_factor};
    let state = context::state()?;
    let session = context::session().await?;
    let me = context::require_signed_in().await?;
    context::require_reauth_or_fresh_sign_in(&me).await?;
    let origin = context::origin(me.id).await;
    two_factor::confirm_enrolment(&state, &session, &me, &code, &origin, context::lang_of(&me))
        .await?;
    sessions::info(&state, &session, context::browser_lang()).await
}

/// Turns the user's own 2FA off; refused while an admin requires it.
#[server(endpoint = "two-factor/off")]
pub async fn turn_off_two_factor() -> Result<(), AppError> {
    use crate::backend::{context, two_factor};
    let state = context::state()?;
    let session = context::session().await?;
    let me = context::require_user_record().await?;
    context::require_reauth().await?;
    let origin = context::origin(me.id).await;
    two_factor::turn_off(&state, &session, &me, &origin, context::lang_of(&me)).await
}
