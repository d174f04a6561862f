//! Mail delivery on /admin/settings (admins only): the settings in effect, saving new ones
//! (re-authenticated, audited, secrets sealed and never shown again), "Send test email".

use super::console::{self, CLIENT_SECRET_PREFIX, PASSWORD_PREFIX};
use super::expiry::today;
use super::notices::{compose, html_escape};
use super::{message, Login, Transport};
use crate::backend::audit::{self, Origin};
use crate::backend::error::Error;
use crate::backend::identity::proofs::{Admin, Reauthenticated};
use crate::backend::secrets::{Sealed, SecretBox};
use crate::backend::state::AppState;
use crate::backend::store::mail_settings::{self, MailRow, ORGANISATION};
use crate::backend::store::users::UserRecord;
use crate::domain::date::Date;
use crate::domain::mail_delivery::{
    is_loopback, secret_expiry, valid_client_id, valid_host, valid_tenant, valid_token_url,
    Security, SignIn, DEFAULT_PORT,
};
use crate::domain::messages::Msg;
use crate::domain::model::{
    AuditAction, MailSettings, MailSettingsForm, MailSource, MailTestReport,
};
use crate::i18n::{fill, Lang};

/// A password or client secret longer than this is not one.
const SECRET_MAX: usize = 1024;

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
            view.security = server.tls.security();
            if let Login::Password { username, .. } = &server.login {
                view.sign_in = SignIn::Password;
                view.username = username.clone();
                view.password_saved = true;
            }
        }
        Transport::Console(_) => {
            if let Some(row) = console::saved(&state.pool).await.map_err(Error::internal)? {
                fill_from_row(&mut view, &row, routing.sender_fixed, today(state));
            }
        }
    }
    Ok(view)
}

fn fill_from_row(view: &mut MailSettings, row: &MailRow, sender_fixed: bool, today: Date) {
    view.source = MailSource::Console;
    view.host = row.host.clone();
    view.port = console::port(row);
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
    // Checked before the proof is asked for, so a refusal comes first; checked again against
    // the row as it is inside the transaction (two admins saving at once).
    let old = mail_settings::read(&state.pool)
        .await
        .map_err(Error::internal)?;
    checked(&form, old.as_ref(), routing.sender_fixed, state)?;
    if reauth.is_none() {
        return Err(Error::ReauthRequired);
    }
    let mut change = audit::Change::begin(state).await?;
    let old = mail_settings::read(change.db())
        .await
        .map_err(Error::internal)?;
    let row = checked(&form, old.as_ref(), routing.sender_fixed, state)?;
    mail_settings::save(change.db(), &row)
        .await
        .map_err(Error::internal)?;
    change
        .commit(origin, None, AuditAction::MailSettingsChanged)
        .await?;
    // Mail that failed under the old settings is tried at once under the new ones.
    if let Err(e) = state.mailer.retry_now().await {
        tracing::warn!("mail queue: {e}");
    }
    settings(state, admin, me).await
}

/// A secret as typed: kept as it is (spaces may be part of it), bounded, one line.
fn secret<'a>(s: &'a str, field: &'static str) -> Result<&'a str, Error> {
    if s.len() > SECRET_MAX {
        return Err(Error::invalid(field, Msg::TooLong));
    }
    if s.chars().any(char::is_control) {
        return Err(Error::invalid(field, Msg::Required));
    }
    Ok(s)
}

/// The saved secret, kept when the field is left empty — but only while it goes where it went
/// (`same_destination`): a secret never follows a changed host, user or endpoint.
fn kept_or_new(
    typed: &str,
    field: &'static str,
    saved: Option<Sealed>,
    same_destination: bool,
    seal: impl Fn(&str) -> Sealed,
) -> Result<Sealed, Error> {
    match secret(typed, field)? {
        "" => saved
            .filter(|_| same_destination)
            .ok_or(Error::invalid(field, Msg::Required)),
        new => Ok(seal(new)),
    }
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
    form: &MailSettingsForm,
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
    let secrets: &SecretBox = &state.secrets;
    let seal = |prefix: &'static str| {
        move |secret: &str| secrets.seal(ORGANISATION, &format!("{prefix}{secret}"))
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
            let same = old.is_some_and(|o| {
                o.sign_in == row.sign_in && o.host == row.host && o.username == row.username
            });
            let saved = old.and_then(MailRow::password);
            let password = kept_or_new(
                &form.password,
                "password",
                saved,
                same,
                seal(PASSWORD_PREFIX),
            )?;
            row.set_password(Some(password));
        }
        SignIn::OAuth2 => {
            row.username = text(&form.username, "username", 254)?;
            if !row.username.is_empty() && row.username.parse::<lettre::Address>().is_err() {
                return Err(Error::invalid("username", Msg::EmailFormat));
            }
            row.tenant_id = required(&form.tenant_id, "tenant_id", 100)?;
            if !valid_tenant(&row.tenant_id) {
                return Err(Error::invalid("tenant_id", Msg::MailIdInvalid));
            }
            row.client_id = required(&form.client_id, "client_id", 100)?;
            if !valid_client_id(&row.client_id) {
                return Err(Error::invalid("client_id", Msg::MailIdInvalid));
            }
            row.token_url = text(&form.token_url, "token_url", 500)?;
            if !row.token_url.is_empty() && !valid_token_url(&row.token_url) {
                return Err(Error::invalid("token_url", Msg::MailTokenUrlInvalid));
            }
            let replaced = !form.client_secret.is_empty();
            // The secret goes to the token endpoint, for this app: the same one, or none.
            let same = old.is_some_and(|o| {
                o.sign_in == row.sign_in
                    && o.client_id == row.client_id
                    && console::token_url(o) == console::token_url(&row)
            });
            let saved = old.and_then(MailRow::client_secret);
            let secret = kept_or_new(
                &form.client_secret,
                "client_secret",
                saved,
                same,
                seal(CLIENT_SECRET_PREFIX),
            )?;
            row.set_client_secret(Some(secret));
            // Azure gives every secret an expiry: without it no warning could come.
            row.secret_expires_on = Some(
                Date::parse(form.secret_expires_on.trim())
                    .ok_or(Error::invalid("secret_expires_on", Msg::DateInvalid))?
                    .to_string(),
            );
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
    let built = message::build(&route.from, &email)
        .map_err(|_| Error::invalid("test", Msg::EmailFormat))?;
    let text = String::from_utf8_lossy(&built.formatted()).into_owned();
    let outcome = console::send_now(&route, &routing.tokens, &to, &text, None).await;
    if let Err(f) = &outcome.result {
        tracing::info!("test email not delivered: {}", console::describe(f));
    }
    Ok(MailTestReport {
        to,
        steps: outcome.steps,
        failure: outcome.result.err(),
    })
}
