//! One message to one mail server, step by step (name, connection, TLS, token, sign-in,
//! acceptance), so that a failure says where it happened: the queue logs it, "Send test email"
//! shows it to the admin.

use super::oauth::TokenCache;
use super::server::{Login, SmtpServer, SmtpTls};
use crate::domain::model::{MailFailedAt, MailFailure, MailStep};
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use std::net::SocketAddr;
use std::time::Duration;

/// One step's bound (name lookup, connection, each SMTP exchange).
const STEP: Duration = Duration::from_secs(15);
/// The whole delivery's bound: a dead server never holds a mail or a page for long.
const WHOLE: Duration = Duration::from_secs(40);

/// What happened: the steps that went well, then the failure if any.
#[derive(Debug)]
pub struct Outcome {
    pub steps: Vec<MailStep>,
    pub result: Result<(), MailFailure>,
}

pub async fn deliver(
    server: &SmtpServer,
    tokens: &TokenCache,
    envelope: &Envelope,
    message: &[u8],
) -> Outcome {
    let mut steps = Vec::new();
    let result = match tokio::time::timeout(
        WHOLE,
        attempt(server, tokens, envelope, message, &mut steps),
    )
    .await
    {
        Ok(r) => r,
        Err(_) => Err(failure(MailFailedAt::Timeout, "no answer in time")),
    };
    Outcome { steps, result }
}

fn failure(at: MailFailedAt, detail: impl std::fmt::Display) -> MailFailure {
    MailFailure {
        at,
        code: None,
        token: None,
        detail: detail.to_string().chars().take(300).collect(),
    }
}

/// A failure the mail server answered, with its reply code.
fn refused(at: MailFailedAt, e: lettre::transport::smtp::Error) -> MailFailure {
    MailFailure {
        code: e.status().map(|c| c.to_string()),
        ..failure(at, e)
    }
}

async fn attempt(
    server: &SmtpServer,
    tokens: &TokenCache,
    envelope: &Envelope,
    message: &[u8],
    steps: &mut Vec<MailStep>,
) -> Result<(), MailFailure> {
    let host = server.host.as_str();
    let addresses: Vec<SocketAddr> =
        match tokio::time::timeout(STEP, tokio::net::lookup_host((host, server.port))).await {
            Ok(Ok(found)) => found.collect(),
            Ok(Err(e)) => return Err(failure(MailFailedAt::Resolve, e)),
            Err(_) => return Err(failure(MailFailedAt::Resolve, "no answer in time")),
        };
    let Some(first) = addresses.first() else {
        return Err(failure(MailFailedAt::Resolve, "no address"));
    };
    steps.push(MailStep::Resolved {
        address: first.ip().to_string(),
    });
    let hello = ClientId::default();
    let tls = || TlsParameters::new(host.to_string()).map_err(|e| refused(MailFailedAt::Tls, e));
    let mut conn = if server.tls == SmtpTls::Wrapper {
        let address = reachable(&addresses).await?;
        steps.push(MailStep::Connected);
        // The address answered: a failure now is the TLS handshake or its certificate.
        let conn =
            AsyncSmtpConnection::connect_tokio1(address, Some(STEP), &hello, Some(tls()?), None)
                .await
                .map_err(|e| refused(MailFailedAt::Tls, e))?;
        steps.push(MailStep::Encrypted);
        conn
    } else {
        let conn =
            AsyncSmtpConnection::connect_tokio1(&addresses[..], Some(STEP), &hello, None, None)
                .await
                .map_err(|e| refused(MailFailedAt::Connect, e))?;
        steps.push(MailStep::Connected);
        conn
    };
    let upgrade = match server.tls {
        SmtpTls::StartTlsRequired => true,
        SmtpTls::StartTlsOpportunistic => conn.can_starttls(),
        SmtpTls::Wrapper | SmtpTls::None => false,
    };
    if upgrade {
        conn.starttls(tls()?, &hello)
            .await
            .map_err(|e| refused(MailFailedAt::Tls, e))?;
        steps.push(MailStep::Encrypted);
    }
    match &server.login {
        Login::None => {}
        Login::Password { username, password } => {
            let credentials = Credentials::new(username.clone(), password.to_string());
            conn.auth(&[Mechanism::Plain, Mechanism::Login], &credentials)
                .await
                .map_err(|e| refused(MailFailedAt::SignIn, e))?;
            steps.push(MailStep::SignedIn);
        }
        Login::OAuth2(app) => {
            let token = tokens.token(app).await?;
            steps.push(MailStep::TokenObtained);
            let credentials = Credentials::new(app.username.clone(), token.to_string());
            if let Err(e) = conn.auth(&[Mechanism::Xoauth2], &credentials).await {
                // A token the server refuses is not kept: the next mail asks for a new one.
                tokens.forget().await;
                return Err(refused(MailFailedAt::SignIn, e));
            }
            steps.push(MailStep::SignedIn);
        }
    }
    let reply = conn
        .send(envelope, message)
        .await
        .map_err(|e| refused(MailFailedAt::Send, e))?;
    let words: Vec<&str> = reply.message().collect();
    steps.push(MailStep::Accepted {
        reply: format!("{} {}", reply.code(), words.join(" "))
            .trim()
            .to_string(),
    });
    let _ = conn.quit().await;
    Ok(())
}

/// The first of the host's addresses that accepts a connection.
async fn reachable(addresses: &[SocketAddr]) -> Result<SocketAddr, MailFailure> {
    let mut last = String::new();
    for address in addresses {
        match tokio::time::timeout(STEP, tokio::net::TcpStream::connect(address)).await {
            Ok(Ok(_)) => return Ok(*address),
            Ok(Err(e)) => last = format!("{address}: {e}"),
            Err(_) => last = format!("{address}: no answer in time"),
        }
    }
    Err(failure(MailFailedAt::Connect, last))
}
