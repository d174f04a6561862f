//! Organisation-wide settings (admins only).

use super::dto::{
    AuditEvent, MailSecretWarning, MailSettings, MailSettingsForm, MailTestReport, OrgSettings,
};
use super::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "settings/get")]
pub async fn get_settings() -> Result<OrgSettings, AppError> {
    use crate::api::context::Request;
    use crate::backend::organisation;
    let rq = Request::extract().await?;
    let (_, admin) = rq.admin().await?;
    Ok(organisation::settings(&rq.state, &admin).await?)
}

#[server(endpoint = "settings/activesync-service")]
pub async fn set_activesync_service(on: bool) -> Result<OrgSettings, AppError> {
    use crate::api::context::Request;
    use crate::backend::organisation;
    let rq = Request::extract().await?;
    let (me, admin) = rq.admin().await?;
    let origin = rq.origin(me.id);
    Ok(organisation::set_activesync_service(&rq.state, &admin, &origin, on).await?)
}

/// Lifting the requirement weakens every account: the admin's own fresh proof first.
#[server(endpoint = "settings/require-two-factor")]
pub async fn set_require_two_factor(required: bool) -> Result<OrgSettings, AppError> {
    use crate::api::context::Request;
    use crate::backend::organisation;
    let rq = Request::extract().await?;
    let (me, admin) = rq.admin().await?;
    let reauth = rq.reauthenticated().await.ok();
    let origin = rq.origin(me.id);
    let state = &rq.state;
    Ok(
        organisation::set_require_two_factor(state, &admin, reauth.as_ref(), &origin, required)
            .await?,
    )
}

/// "Two-factor method": the app only, or any. Allowing email again takes the admin's fresh
/// proof.
#[server(endpoint = "settings/two-factor-method")]
pub async fn set_two_factor_method(app_only: bool) -> Result<OrgSettings, AppError> {
    use crate::api::context::Request;
    use crate::backend::organisation;
    let rq = Request::extract().await?;
    let (me, admin) = rq.admin().await?;
    let reauth = rq.reauthenticated().await.ok();
    let origin = rq.origin(me.id);
    let state = &rq.state;
    Ok(organisation::set_app_only(state, &admin, reauth.as_ref(), &origin, app_only).await?)
}

/// The organisation's audit trail (settings, key rotations), newest first.
#[server(endpoint = "settings/audit")]
pub async fn settings_audit() -> Result<Vec<AuditEvent>, AppError> {
    use crate::api::context::Request;
    use crate::backend::audit;
    let rq = Request::extract().await?;
    let (_, admin) = rq.admin().await?;
    Ok(audit::organisation(&rq.state, &admin).await?)
}

/// Mail delivery as in effect (secrets only as "saved").
#[server(endpoint = "settings/mail")]
pub async fn get_mail_settings() -> Result<MailSettings, AppError> {
    use crate::api::context::Request;
    use crate::backend::mail::admin;
    let rq = Request::extract().await?;
    let (me, admin) = rq.admin().await?;
    Ok(admin::settings(&rq.state, &admin, &me).await?)
}

/// Saves mail delivery: the admin's fresh proof first (every security mail depends on it).
#[server(endpoint = "settings/mail-save", input = server_fn::codec::Json)]
pub async fn save_mail_settings(form: MailSettingsForm) -> Result<MailSettings, AppError> {
    use crate::api::context::Request;
    use crate::backend::mail::admin;
    let rq = Request::extract().await?;
    let (me, admin) = rq.admin().await?;
    let reauth = rq.reauthenticated().await.ok();
    let origin = rq.origin(me.id);
    Ok(admin::save(&rq.state, &admin, &me, reauth.as_ref(), &origin, form).await?)
}

/// "Send test email" to the admin's own address, step by step, in the admin's language.
#[server(endpoint = "settings/mail-test")]
pub async fn send_test_email() -> Result<MailTestReport, AppError> {
    use crate::api::context::Request;
    use crate::backend::mail::admin;
    let rq = Request::extract().await?;
    let (me, admin) = rq.admin().await?;
    let lang = me.language.unwrap_or(rq.browser_lang);
    Ok(admin::send_test(&rq.state, &admin, &me, lang).await?)
}

/// The Office 365 client secret's warning for admin pages (none for other users).
#[server(endpoint = "settings/mail-warning")]
pub async fn get_mail_warning() -> Result<Option<MailSecretWarning>, AppError> {
    use crate::api::context::Request;
    use crate::backend::mail::expiry;
    let rq = Request::extract().await?;
    let (_, admin) = rq.admin().await?;
    Ok(expiry::warning(&rq.state, &admin).await?)
}
