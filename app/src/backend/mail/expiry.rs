//! The Office 365 client secret's expiry: the banner on admin pages, and the reminder mails
//! at 30, 7 and 1 days (checked at start and every hour, each reminder mailed once whatever
//! the number of instances).

use super::console;
use super::notices::{compose, html_escape};
use super::Transport;
use crate::backend::error::Error;
use crate::backend::identity::proofs::Admin;
use crate::backend::state::AppState;
use crate::backend::store::mail_settings::{self, MailRow};
use crate::backend::store::users;
use crate::domain::date::Date;
use crate::domain::mail_delivery::{
    reminder_due, secret_expiry, should_remind, SecretExpiry, SignIn,
};
use crate::domain::model::MailSecretWarning;
use crate::i18n::{fill, Lang};

/// Today's date (UTC) on the state's clock.
pub fn today(state: &AppState) -> Date {
    Date::from_days_since_epoch(state.now().div_euclid(86_400))
        .unwrap_or_else(|| Date::new(1970, 1, 1).expect("the epoch is a date"))
}

async fn saved(state: &AppState) -> Result<Option<MailRow>, Error> {
    if matches!(state.mailer.routing().transport, Transport::Smtp(_)) {
        return Ok(None);
    }
    console::saved(&state.pool).await.map_err(Error::internal)
}

/// The client secret's warning, when it expires within 30 days or has expired.
pub async fn warning(state: &AppState, _: &Admin) -> Result<Option<MailSecretWarning>, Error> {
    Ok(saved(state)
        .await?
        .and_then(|row| secret_warning(&row, today(state))))
}

pub fn secret_warning(row: &MailRow, today: Date) -> Option<MailSecretWarning> {
    if SignIn::parse(&row.sign_in) != Some(SignIn::OAuth2) {
        return None;
    }
    let expires_on = row.secret_expires_on.as_deref().and_then(Date::parse)?;
    match secret_expiry(today, expires_on) {
        SecretExpiry::Fine => None,
        expiry => Some(MailSecretWarning { expires_on, expiry }),
    }
}

/// Mails the reminder due now (30, 7 or 1 days before the client secret expires) to every
/// active admin with an address, once per reminder whatever the number of instances; the
/// number of admins mailed.
pub async fn remind(state: &AppState) -> Result<usize, Error> {
    let Some(row) = saved(state).await? else {
        return Ok(0);
    };
    let Some(warning) = secret_warning(&row, today(state)) else {
        return Ok(0);
    };
    let SecretExpiry::Soon { days_left } = warning.expiry else {
        return Ok(0);
    };
    let due = reminder_due(days_left);
    if !should_remind(due, row.expiry_reminded) {
        return Ok(0);
    }
    let (Some(due), Some(date)) = (due, row.secret_expires_on.as_deref()) else {
        return Ok(0);
    };
    if !mail_settings::take_reminder(&state.pool, date, due)
        .await
        .map_err(Error::internal)?
    {
        return Ok(0);
    }
    let admins = users::admins_with_email(&state.pool)
        .await
        .map_err(Error::internal)?;
    for admin in &admins {
        let lang = admin.language.unwrap_or(Lang::En);
        let t = lang.texts();
        let body = fill(t.mail_secret_expiring_body, warning.expires_on);
        let email = compose(
            lang,
            &admin.email,
            t.mail_secret_expiring_subject,
            &html_escape(&body),
            &body,
            t.mail_secret_expiring_footer,
        );
        let mailer = state.mailer.clone();
        let id = admin.id;
        tokio::spawn(async move {
            if let Err(e) = mailer.send(email).await {
                tracing::warn!(user = %id, "client secret reminder not delivered: {e}");
            }
        });
    }
    Ok(admins.len())
}

/// Checks the reminders at start and then every hour, for as long as the server runs.
pub fn spawn_reminders(state: AppState) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            if let Err(e) = remind(&state).await {
                tracing::warn!("client secret reminders: {e:?}");
            }
        }
    });
}
