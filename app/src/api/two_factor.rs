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
    use crate::api::context::Request;
    use crate::backend::activesync::sync_password::NewSyncPassword;
    use crate::backend::second_factor::lifecycle;
    use zeroize::Zeroizing;
    let rq = Request::extract().await?;
    let me = rq.signed_in().await?;
    let reauth = rq.reauthenticated_or_enrolling(&me).await?;
    let sync_password = new_sync_password.map(|new| NewSyncPassword {
        new: Zeroizing::new(new),
        confirm: Zeroizing::new(confirm_sync_password.unwrap_or_default()),
    });
    let (state, lang) = (&rq.state, rq.lang_of(&me));
    Ok(lifecycle::start_enrolment(
        state,
        &rq.session,
        &me,
        &reauth,
        lang,
        resend,
        sync_password,
    )
    .await?)
}

/// The code from the enrolment mail: 2FA goes on. Returns the updated session.
#[server(endpoint = "two-factor/confirm")]
pub async fn confirm_enrolment(code: String) -> Result<SessionInfo, AppError> {
    use crate::api::context::{to_completion, Request};
    use crate::backend::second_factor::lifecycle;
    let rq = Request::extract().await?;
    let me = rq.signed_in().await?;
    let reauth = rq.reauthenticated_or_enrolling(&me).await?;
    let origin = rq.origin(me.id);
    let langs = (rq.lang_of(&me), rq.browser_lang);
    to_completion(async move {
        let (state, session) = (&rq.state, &rq.session);
        lifecycle::confirm_enrolment(state, session, &me, &reauth, &code, &origin, langs).await
    })
    .await
}

/// Turns the user's own 2FA off; refused while an admin requires it.
#[server(endpoint = "two-factor/off")]
pub async fn turn_off_two_factor() -> Result<(), AppError> {
    use crate::api::context::{to_completion, Request};
    use crate::backend::second_factor::lifecycle;
    let rq = Request::extract().await?;
    let me = rq.user().await?;
    let reauth = rq.reauthenticated().await?;
    let (origin, lang) = (rq.origin(me.id), rq.lang_of(&me));
    to_completion(async move {
        lifecycle::turn_off(&rq.state, &rq.session, &me, &reauth, &origin, lang).await
    })
    .await
}
