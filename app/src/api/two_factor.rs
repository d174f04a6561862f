//! The user's own second factor: enrolment by emailed code or by authenticator app (also a
//! switch between them), new recovery codes, and turning it off. All need a fresh
//! re-authentication; enrolment is also what a user who must enrol may do.

use super::dto::{EnrolStarted, Enrolled};
use super::error::AppError;
use leptos::prelude::*;

/// Starts turning 2FA on with `method` (`"app"`, else email), or switching to it. Email: the
/// enrolment code is mailed and the answer is the masked address; `resend` asks for a new
/// code even if one was sent less than a minute ago (and is refused then with the wait). App:
/// a new secret, held in the session until proven, as a QR code and as text. When ActiveSync
/// is enabled for the user and no sync password is set, the new sync password comes with the
/// request (SPEC 1.3) and is committed with 2FA by `two-factor/confirm`.
#[server(endpoint = "two-factor/enrol")]
pub async fn start_enrolment(
    resend: bool,
    new_sync_password: Option<String>,
    confirm_sync_password: Option<String>,
    method: Option<String>,
) -> Result<EnrolStarted, AppError> {
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
    let (state, session, lang) = (&rq.state, &rq.session, rq.lang_of(&me));
    if method.as_deref() == Some("app") {
        let app = lifecycle::start_app_enrolment(state, session, &me, &reauth, sync_password);
        return Ok(EnrolStarted::App(app.await?));
    }
    let sent =
        lifecycle::start_enrolment(state, session, &me, &reauth, lang, resend, sync_password);
    Ok(EnrolStarted::Email(sent.await?))
}

/// The code from the enrolment mail, or from the new app (`method` `"app"`): 2FA goes on (or
/// switches). Returns the updated session and the recovery codes to show once.
#[server(endpoint = "two-factor/confirm")]
pub async fn confirm_enrolment(code: String, method: Option<String>) -> Result<Enrolled, AppError> {
    use crate::api::context::{to_completion, Request};
    use crate::backend::second_factor::lifecycle;
    let rq = Request::extract().await?;
    let me = rq.signed_in().await?;
    let reauth = rq.reauthenticated_or_enrolling(&me).await?;
    let origin = rq.origin(me.id);
    let langs = (rq.lang_of(&me), rq.browser_lang);
    to_completion(async move {
        let (state, session) = (&rq.state, &rq.session);
        if method.as_deref() == Some("app") {
            lifecycle::confirm_app_enrolment(state, session, &me, &reauth, &code, &origin, langs)
                .await
        } else {
            lifecycle::confirm_enrolment(state, session, &me, &reauth, &code, &origin, langs).await
        }
    })
    .await
}

/// "Make new codes": a new set of recovery codes, shown once; the old set stops working.
#[server(endpoint = "two-factor/recovery-codes")]
pub async fn renew_recovery_codes() -> Result<Vec<String>, AppError> {
    use crate::api::context::{to_completion, Request};
    use crate::backend::second_factor::lifecycle;
    let rq = Request::extract().await?;
    let me = rq.user().await?;
    let reauth = rq.reauthenticated().await?;
    let (origin, lang) = (rq.origin(me.id), rq.lang_of(&me));
    to_completion(async move {
        lifecycle::renew_recovery_codes(&rq.state, &me, &reauth, &origin, lang).await
    })
    .await
}

/// Turns the user's own 2FA off; refused while an admin requires it.
#[server(endpoint = "two-factor/off")]
pub async fn turn_off_two_factor() -> Result<(), AppError> {
    use crate::api::context::{to_completion, Request};
    use crate::backend::second_factor::lifecycle;
    let rq = Request::extract().await?;
    // Also open to a user sent to switch to the app (when 2FA is not required of them).
    let me = rq.signed_in().await?;
    let reauth = rq.reauthenticated().await?;
    let (origin, lang) = (rq.origin(me.id), rq.lang_of(&me));
    to_completion(async move {
        lifecycle::turn_off(&rq.state, &rq.session, &me, &reauth, &origin, lang).await
    })
    .await
}
