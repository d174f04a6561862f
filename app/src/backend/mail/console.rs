//! The mail route in effect for the next message: `SYNCGATE_SMTP_URL` when set, otherwise
//! the settings saved on /admin/settings (read from the database each time, so a change
//! reaches every instance at its next mail without a restart), otherwise the outbox folder.

use super::delivery::{self, Outcome};
use super::message::with_sender;
use super::oauth::TokenCache;
use super::server::{Login, OAuthApp, SmtpServer, SmtpTls};
use super::{Routing, Transport, DEFAULT_FROM};
use crate::backend::secrets::SecretBox;
use crate::backend::store::mail_settings::{self, MailRow, ORGANISATION};
use crate::backend::store::Pool;
use crate::domain::mail_delivery::{microsoft_token_url, Security, SignIn};
use crate::domain::model::{MailFailedAt, MailFailure, MailStep};
use lettre::message::Mailbox;
use lettre::Address;
use std::path::PathBuf;
use std::sync::LazyLock;
use zeroize::Zeroizing;

/// Sealed with these prefixes, so one secret cannot stand in for another.
pub const PASSWORD_PREFIX: &str = "mail-password:";
pub const CLIENT_SECRET_PREFIX: &str = "mail-client-secret:";

pub enum Destination {
    Smtp(SmtpServer),
    Outbox(PathBuf),
}

pub struct Route {
    pub destination: Destination,
    pub from: Mailbox,
}

/// The route for the next message.
pub async fn route(routing: &Routing, pool: &Pool, secrets: &SecretBox) -> Result<Route, String> {
    match &routing.transport {
        Transport::Smtp(server) => Ok(Route {
            destination: Destination::Smtp(server.clone()),
            from: routing.from.clone(),
        }),
        Transport::Console(outbox) => {
            let row = saved(pool)
                .await
                .map_err(|e| format!("reading the mail settings: {e}"))?;
            match row {
                Some(row) => {
                    let mut server = smtp_server(&row, secrets)?;
                    let from = if routing.sender_fixed {
                        routing.from.clone()
                    } else {
                        sender(&row).unwrap_or_else(|| routing.from.clone())
                    };
                    // XOAUTH2 signs in as a mailbox: the sender's, unless another is named.
                    if let Login::OAuth2(app) = &mut server.login {
                        if app.username.is_empty() {
                            app.username = from.email.to_string();
                        }
                    }
                    Ok(Route {
                        destination: Destination::Smtp(server),
                        from,
                    })
                }
                _ => Ok(Route {
                    destination: Destination::Outbox(outbox.clone()),
                    from: routing.from.clone(),
                }),
            }
        }
    }
}

/// The mail server saved on /admin/settings, if one is.
pub async fn saved(pool: &Pool) -> Result<Option<MailRow>, sqlx::Error> {
    Ok(mail_settings::read(pool)
        .await?
        .filter(|row| !row.host.is_empty()))
}

/// Sends one message by `route` now: to the mail server step by step, or into the outbox.
pub async fn send_now(
    route: &Route,
    tokens: &TokenCache,
    to: &str,
    message: &str,
    hint: Option<&str>,
) -> Outcome {
    let failed = |detail: String| Outcome {
        steps: Vec::new(),
        result: Err(MailFailure {
            at: MailFailedAt::Send,
            code: None,
            token: None,
            detail,
        }),
    };
    match &route.destination {
        Destination::Smtp(server) => {
            let Ok(recipient) = to.parse() else {
                return failed(format!("bad address: {to}"));
            };
            // The built-in default is no mailbox: say no sender rather than a made-up one.
            let sender = (Some(&route.from.email) != DEFAULT_ADDRESS.as_ref())
                .then(|| route.from.email.clone());
            let envelope = match lettre::address::Envelope::new(sender, vec![recipient]) {
                Ok(e) => e,
                Err(e) => return failed(e.to_string()),
            };
            let message = with_sender(message, &route.from);
            delivery::deliver(server, tokens, &envelope, message.as_bytes()).await
        }
        Destination::Outbox(dir) => {
            match super::write_to_outbox(dir, message.as_bytes().to_vec(), hint).await {
                Ok(()) => Outcome {
                    steps: vec![MailStep::WrittenToOutbox],
                    result: Ok(()),
                },
                Err(e) => failed(e),
            }
        }
    }
}

/// The address of `DEFAULT_FROM`, parsed once.
static DEFAULT_ADDRESS: LazyLock<Option<Address>> =
    LazyLock::new(|| DEFAULT_FROM.parse::<Mailbox>().ok().map(|m| m.email));

/// The saved sender, when it is a valid address.
pub fn sender(row: &MailRow) -> Option<Mailbox> {
    let email = row.from_address.parse().ok()?;
    let name = (!row.from_name.trim().is_empty()).then(|| row.from_name.trim().to_string());
    Some(Mailbox::new(name, email))
}

/// Opens a sealed secret of the row (`None` when none is saved).
pub fn open_secret(
    secrets: &SecretBox,
    sealed: Option<crate::backend::secrets::Sealed>,
    prefix: &str,
) -> Result<Option<Zeroizing<String>>, String> {
    let Some(sealed) = sealed else {
        return Ok(None);
    };
    let opened = secrets
        .open(ORGANISATION, &sealed)
        .map_err(|e| format!("a saved mail secret cannot be opened: {e}"))?;
    opened
        .strip_prefix(prefix)
        .map(|s| Some(Zeroizing::new(s.to_string())))
        .ok_or_else(|| "a saved mail secret is not what it should be".to_string())
}

/// The mail server the saved row describes.
pub fn smtp_server(row: &MailRow, secrets: &SecretBox) -> Result<SmtpServer, String> {
    let tls = Security::parse(&row.security)
        .map(SmtpTls::of)
        .ok_or_else(|| format!("unknown mail security {:?}", row.security))?;
    let login = match SignIn::parse(&row.sign_in) {
        Some(SignIn::None) => Login::None,
        Some(SignIn::Password) => Login::Password {
            username: row.username.clone(),
            password: open_secret(secrets, row.password(), PASSWORD_PREFIX)?.unwrap_or_default(),
        },
        Some(SignIn::OAuth2) => Login::OAuth2(OAuthApp {
            token_url: token_url(row),
            client_id: row.client_id.clone(),
            client_secret: open_secret(secrets, row.client_secret(), CLIENT_SECRET_PREFIX)?
                .unwrap_or_default(),
            username: oauth_username(row),
        }),
        None => return Err(format!("unknown mail sign-in {:?}", row.sign_in)),
    };
    Ok(SmtpServer {
        host: row.host.clone(),
        port: port(row),
        tls,
        login,
    })
}

/// The saved port (checked when saved; the default if the row says otherwise).
pub fn port(row: &MailRow) -> u16 {
    u16::try_from(row.port).unwrap_or(crate::domain::mail_delivery::DEFAULT_PORT)
}

/// The token endpoint: the one saved, or Microsoft's for the tenant.
pub fn token_url(row: &MailRow) -> String {
    if row.token_url.trim().is_empty() {
        microsoft_token_url(row.tenant_id.trim())
    } else {
        row.token_url.trim().to_string()
    }
}

/// The mailbox signed in to with XOAUTH2 when one is named (else the sender, see `route`).
pub fn oauth_username(row: &MailRow) -> String {
    row.username.trim().to_string()
}

/// A failure in one line for the log and the queue (English; the page words it per language).
pub fn describe(f: &MailFailure) -> String {
    let step = match f.at {
        MailFailedAt::Resolve => "name not resolved",
        MailFailedAt::Connect => "connection failed",
        MailFailedAt::Tls => "TLS failed",
        MailFailedAt::Token => "token endpoint refused",
        MailFailedAt::SignIn => "sign-in refused",
        MailFailedAt::Send => "message refused",
        MailFailedAt::Timeout => "timed out",
    };
    match &f.code {
        Some(code) => format!("{step} ({code}): {}", f.detail),
        None => format!("{step}: {}", f.detail),
    }
}
