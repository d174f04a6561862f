//! Mail delivery on /admin/settings (admins only): the settings in effect, saving new ones
//! (re-authenticated, audited, secrets sealed and never shown again), "Send test email", and
//! the Office 365 client secret's expiry (the banner, reminder mails at 30, 7 and 1 days).

use super::console::{self, Destination, CLIENT_SECRET_PREFIX, PASSWORD_PREFIX};
use super::notices::{compose, html_escape};
use super::{delivery, Login, SmtpTls, Transport};
use crate::backend::audit::{self, Origin};
use crate::backend::error::Error;
use crate::backend::identity::proofs::{Admin, Reauthenticated};
use crate::backend::state::AppState;
use crate::backend::store::mail_settings::{self, MailRow, ORGANISATION};
use crate::backend::store::users::{self, UserRecord};
use crate::domain::date::Date;
use crate::domain::mail_delivery::{
    is_loopback, reminder_due, secret_expiry, should_remind, valid_client_id, valid_host,
    valid_tenant, valid_token_url, SecretExpiry, Security, SignIn, DEFAULT_PORT,
};
use crate::domain::messages::Msg;
use crate::domain::model::{
    AuditAction, MailSecretWarning, MailSettings, MailSettingsForm, MailSource, MailStep,
    MailTestReport,
};
use crate::i18n::{fill, Lang};

fn today(state: &AppState) -> Date {
    Date::from_days_since_epoch(state.now().div_euclid(86_400))
        .unwrap_or_else(|| Date::new(1970, 1, 1).expect("the epoch is a date"))
}

/// The settings in effect, as the page shows them (`me`: the admin, whose address the test
/// email goes to).
pub async fn settings(state: &AppState, _: &Admin, me: &UserRecord) -> Result<MailSettings, Error> {
    let routing = state.mailer.routing();
    let from = &routing.from;
    let mut view = MailSettings {
        source: MailSource::Outbox,
        host: String::new(),
        port: DEFAULT_PORT,
        security: Security::StartTls,
        from_address: from.email.to_string(),
        from_name: from.name.clone().unwrap_or_default(),
        sender_from_environment: routing.sender_fixed,
        sign_in: SignIn::None,
        username: String::new(),
        password_saved: false,
        tenant_id: String::new(),
        client_id: String::new(),
        client_secret_saved: false,
        secret_expires_on: None,
        token_url: String::new(),
        expiry: None,
        test_to: (!me.email.trim().is_empty()).then(|| me.email.clone()),
    };
    match &routing.transport {
        Transport::Smtp(server) => {
            view.source = MailSource::Environment;
            view.host = server.host.clone();
            view.port = server.port;
            view.security = match server.tls {
                SmtpTls::Wrapper => Security::Tls,
                SmtpTls::StartTlsRequired | SmtpTls::StartTlsOpportunistic => Security::StartTls,
                SmtpTls::None => Security::None,
            };
            if let Login::Password { username, .. } = &server.login {
                view.sign_in = SignIn::Password;
                view.username = username.clone();
                view.password_saved = true;
            }
        }
        Transport::Console(_) => {
            if let Some(row) = stored(state).await? {
                fill_from_row(&mut view, &row, routing.sender_fixed, today(state));
            }
        }
    }
    Ok(view)
}

async fn stored(state: &AppState) -> Result<Option<MailRow>, Error> {
    Ok(mail_settings::read(&state.pool)
        .await
        .map_err(Error::internal)?
        .filter(|row| !row.host.is_empty()))
}

fn fill_from_row(view: &mut MailSettings, row: &MailRow, sender_fixed: bool, today: Date) {
    view.source = MailSource::Console;
    view.host = row.host.clone();
    view.port = u16::try_from(row.port).unwrap_or(DEFAULT_PORT);
    view.security = Security::parse(&row.security).unwrap_or(Security::StartTls);
    if !sender_fixed {
        view.from_address = row.from_address.clone();
        view.from_name = row.from_name.clone();
    }
    view.sign_in = SignIn::parse(&row.sign_in).unwrap_or(SignIn::None);
    view.username = row.username.clone();
    view.password_saved = row.password().is_some();
    view.tenant_id = row.tenant_id.clone();
    view.client_id = row.client_id.clone();
    view.client_secret_saved = row.client_secret().is_some();
    view.secret_expires_on = row.secret_expires_on.as_deref().and_then(Date::parse);
    view.token_url = row.token_url.clone();
    view.expiry = match (view.sign_in, view.secret_expires_on) {
        (SignIn::OAuth2, Some(date)) => Some(secret_expiry(today, date)),
        _ => None,
    };
}

/// Saves new settings. Each change weakens or redirects every security mail: it takes a
/// fresh re-authentication, and is audited (without its secrets).
pub async fn save(
    state: &AppState,
    admin: &Admin,
    me: &UserRecord,
    reauth: Option<&Reauthenticated>,
    origin: &Origin,
    form: MailSettingsForm,
) -> Result<MailSettings, Error> {
    let routing = state.mailer.routing();
    if matches!(routing.transport, Transport::Smtp(_)) {
        return Err(Error::invalid("host", Msg::MailSetByEnvironment));
    }
    let old = mail_settings::read(&state.pool)
        .await
        .map_err(Error::internal)?;
    let row = checked(form, old.as_ref(), routing.sender_fixed, state)?;
    if reauth.is_none() {
        return Err(Error::ReauthRequired);
    }
    let mut change = audit::Change::begin(state).await?;
    mail_settings::save(change.db(), &row)
        .await
        .map_err(Error::internal)?;
    change
        .commit(origin, None, AuditAction::MailSettingsChanged)
        .await?;
    settings(state, admin, me).await
}

fn text(s: &str, field: &'static str, max: usize) -> Result<String, Error> {
    let s = s.trim();
    if s.chars().count() > max {
        return Err(Error::invalid(field, Msg::TooLong));
    }
    if s.chars().any(char::is_control) {
        return Err(Error::invalid(field, Msg::Required));
    }
    Ok(s.to_string())
}

fn required(s: &str, field: &'static str, max: usize) -> Result<String, Error> {
    let s = text(s, field, max)?;
    if s.is_empty() {
        return Err(Error::invalid(field, Msg::Required));
    }
    Ok(s)
}

/// The row the form describes, checked field by field; secrets left empty keep the saved ones.
fn checked(
    form: MailSettingsForm,
    old: Option<&MailRow>,
    sender_fixed: bool,
    state: &AppState,
) -> Result<MailRow, Error> {
    let host = required(&form.host, "host", 253)?;
    if !valid_host(&host) {
        return Err(Error::invalid("host", Msg::MailHostInvalid));
    }
    let port: u16 = match form.port.trim() {
        "" => DEFAULT_PORT,
        p => p
            .parse()
            .ok()
            .filter(|p| *p > 0)
            .ok_or(Error::invalid("port", Msg::MailPortInvalid))?,
    };
    let security =
        Security::parse(form.security.trim()).ok_or(Error::invalid("security", Msg::Required))?;
    if security == Security::None && !is_loopback(&host) {
        return Err(Error::invalid("security", Msg::MailClearOnlyLoopback));
    }
    let (from_address, from_name) = if sender_fixed {
        old.map(|o| (o.from_address.clone(), o.from_name.clone()))
            .unwrap_or_default()
    } else {
        let address = required(&form.from_address, "from_address", 254)?;
        if address.parse::<lettre::Address>().is_err() {
            return Err(Error::invalid("from_address", Msg::EmailFormat));
        }
        (address, text(&form.from_name, "from_name", 100)?)
    };
    let sign_in =
        SignIn::parse(form.sign_in.trim()).ok_or(Error::invalid("sign_in", Msg::Required))?;
    let seal = |prefix: &str, secret: &str| {
        state
            .secrets
            .seal(ORGANISATION, &format!("{prefix}{secret}"))
    };
    let mut row = MailRow {
        host,
        port: i64::from(port),
        security: security.as_str().into(),
        from_address,
        from_name,
        sign_in: sign_in.as_str().into(),
        username: String::new(),
        password_ciphertext: None,
        password_nonce: None,
        password_key_id: None,
        tenant_id: String::new(),
        client_id: String::new(),
        client_secret_ciphertext: None,
        client_secret_nonce: None,
        client_secret_key_id: None,
        secret_expires_on: None,
        token_url: String::new(),
        expiry_reminded: None,
        updated_at: state.now(),
    };
    match sign_in {
        SignIn::None => {}
        SignIn::Password => {
            row.username = required(&form.username, "username", 254)?;
            let password = match form.password.as_str() {
                "" => old.and_then(MailRow::password),
                new => Some(seal(PASSWORD_PREFIX, new)),
            };
            row.set_password(Some(
                password.ok_or(Error::invalid("password", Msg::Required))?,
            ));
        }
        SignIn::OAuth2 => {
            row.username = text(&form.username, "username", 254)?;
            row.tenant_id = required(&form.tenant_id, "tenant_id", 100)?;
            if !valid_tenant(&row.tenant_id) {
                return Err(Error::invalid("tenant_id", Msg::MailIdInvalid));
            }
            row.client_id = required(&form.client_id, "client_id", 100)?;
            if !valid_client_id(&row.client_id) {
                return Err(Error::invalid("client_id", Msg::MailIdInvalid));
            }
            let replaced = !form.client_secret.is_empty();
            let secret = match form.client_secret.as_str() {
                "" => old.and_then(MailRow::client_secret),
                new => Some(seal(CLIENT_SECRET_PREFIX, new)),
            };
            row.set_client_secret(Some(
                secret.ok_or(Error::invalid("client_secret", Msg::Required))?,
            ));
            row.secret_expires_on = match form.secret_expires_on.trim() {
                "" => None,
                d => Some(
                    Date::parse(d)
                        .ok_or(Error::invalid("secret_expires_on", Msg::DateInvalid))?
                        .to_string(),
                ),
            };
            row.token_url = text(&form.token_url, "token_url", 500)?;
            if !row.token_url.is_empty() && !valid_token_url(&row.token_url) {
                return Err(Error::invalid("token_url", Msg::MailTokenUrlInvalid));
            }
            // Reminders already mailed count for the same secret and date only.
            row.expiry_reminded = old
                .filter(|o| !replaced && o.secret_expires_on == row.secret_expires_on)
                .and_then(|o| o.expiry_reminded);
        }
    }
    Ok(row)
}

/// "Send test email": a message to the admin's own address through the settings in effect,
/// now (not queued), with what happened at each step.
pub async fn send_test(
    state: &AppState,
    _: &Admin,
    me: &UserRecord,
    lang: Lang,
) -> Result<MailTestReport, Error> {
    let to = me.email.trim().to_string();
    if to.is_empty() {
        return Err(Error::invalid("test", Msg::MailNoOwnEmail));
    }
    let t = lang.texts();
    let body = fill(t.mail_test_body, &state.public_origin);
    let email = compose(
        lang,
        &to,
        t.mail_test_subject,
        &html_escape(&body),
        &body,
        "",
    );
    let routing = state.mailer.routing();
    let route = console::route(routing, &state.pool, &state.secrets)
        .await
        .map_err(Error::internal)?;
    let message = super::build(&route.from, &email).map_err(Error::internal)?;
    match &route.destination {
        Destination::Outbox(dir) => {
            super::write_to_outbox(dir, message.formatted(), None)
                .await
                .map_err(Error::internal)?;
            Ok(MailTestReport {
                to,
                steps: vec![MailStep::WrittenToOutbox],
                failure: None,
            })
        }
        Destination::Smtp(server) => {
            let envelope = lettre::address::Envelope::new(
                Some(route.from.email.clone()),
                vec![to
                    .parse()
                    .map_err(|_| Error::invalid("test", Msg::EmailFormat))?],
            )
            .map_err(Error::internal)?;
            let outcome =
                delivery::deliver(server, &routing.tokens, &envelope, &message.formatted()).await;
            if let Err(f) = &outcome.result {
                tracing::info!("test email not delivered: {}", console::describe(f));
            }
            Ok(MailTestReport {
                to,
                steps: outcome.steps,
                failure: outcome.result.err(),
            })
        }
    }
}

/// The client secret's warning, when it expires within 30 days or has expired.
pub async fn warning(state: &AppState, _: &Admin) -> Result<Option<MailSecretWarning>, Error> {
    if matches!(state.mailer.routing().transport, Transport::Smtp(_)) {
        return Ok(None);
    }
    Ok(stored(state)
        .await?
        .and_then(|row| secret_warning(&row, today(state))))
}

fn secret_warning(row: &MailRow, today: Date) -> Option<MailSecretWarning> {
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
    if matches!(state.mailer.routing().transport, Transport::Smtp(_)) {
        return Ok(0);
    }
    let Some(row) = stored(state).await? else {
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
