//! Mail delivery. Requests hand a message to a bounded queue; one worker delivers it (SMTP, or
//! the "outbox" folder when no SMTP server is configured), retrying a failed attempt twice,
//! and reports back. A request waits at most `WAIT` for that answer, so a slow or dead mail
//! server never hangs a page: the user is told the email could not be sent.

pub mod notices;

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// How many messages may wait for delivery.
const QUEUE: usize = 256;
const ATTEMPTS: u32 = 3;
const WAIT: Duration = Duration::from_secs(20);

/// A message in the user's language, with a plain-text and an HTML body.
#[derive(Clone, Debug)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Printed in the log in outbox mode only (the code, so a newcomer can try 2FA without
    /// a mail server). Never printed when real mail goes out.
    pub outbox_hint: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MailError {
    #[error("the mail queue is full")]
    QueueFull,
    #[error("delivery failed: {0}")]
    Delivery(String),
    #[error("no answer from the mail worker in time")]
    Timeout,
    #[error("bad address: {0}")]
    Address(String),
}

#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

struct Job {
    message: Message,
    hint: Option<String>,
    done: oneshot::Sender<Result<(), MailError>>,
}

#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    queue: mpsc::Sender<Job>,
}

/// `SYNCGATE_SMTP_URL` (it may carry the mail server's password).
pub use crate::backend::secrets::SecretUrl as SmtpUrl;

/// How a connection to the mail server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpTls {
    /// `smtps://`: TLS from the first byte (465).
    Wrapper,
    /// `smtp://`: STARTTLS, and no mail is sent if the server does not offer it (587).
    StartTlsRequired,
    /// `smtp://…?tls=opportunistic`: STARTTLS when offered.
    StartTlsOpportunistic,
    /// In clear: a loopback host, or `?tls=none` said so.
    None,
}

/// Builds the SMTP transport from a URL (see `smtp_plan`).
pub fn smtp_transport(url: &SmtpUrl) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let (url, _) = smtp_plan(url.expose())?;
    AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
        .map(|b| b.timeout(Some(Duration::from_secs(15))).build())
        .map_err(|e| format!("SMTP URL: {e}"))
}

/// The URL as lettre reads it, and the protection it gives: `smtps://` is TLS (465),
/// `smtp://` uses STARTTLS (587) and refuses to send in clear, except to a loopback host or
/// with `?tls=none`.
pub fn smtp_plan(url: &str) -> Result<(String, SmtpTls), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("SMTP URL: {e}"))?;
    let loopback = match parsed.host() {
        // For a non-special scheme like smtp, the url crate leaves IP addresses as text.
        Some(url::Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost")
                || d.trim_matches(['[', ']'])
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err("SMTP URL has no host".into()),
    };
    let has_tls_param = parsed.query_pairs().any(|(k, _)| k == "tls");
    let url = match (parsed.scheme(), has_tls_param, loopback) {
        ("smtps", _, _) | ("smtp", true, _) | ("smtp", false, true) => url.to_string(),
        ("smtp", false, false) => {
            let sep = if parsed.query().is_some() { '&' } else { '?' };
            format!("{url}{sep}tls=required")
        }
        (other, _, _) => {
            return Err(format!(
                "SMTP URL scheme must be smtp or smtps, not {other}"
            ))
        }
    };
    // lettre spells "no TLS" as the absence of the parameter.
    let url = url.replace("?tls=none", "").replace("&tls=none", "");
    let lettre = url::Url::parse(&url).map_err(|e| format!("SMTP URL: {e}"))?;
    let tls = lettre
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    let mode = match (lettre.scheme(), tls.as_deref()) {
        ("smtps", _) => SmtpTls::Wrapper,
        (_, Some("required")) => SmtpTls::StartTlsRequired,
        (_, Some("opportunistic")) => SmtpTls::StartTlsOpportunistic,
        (_, None) => SmtpTls::None,
        (_, Some(other)) => return Err(format!("SMTP URL: unknown tls={other}")),
    };
    Ok((url, mode))
}

impl Mailer {
    /// Starts the delivery worker.
    pub fn start(transport: Transport, from: &str) -> Result<Mailer, MailError> {
        let from: Mailbox = from
            .parse()
            .map_err(|_| MailError::Address(from.to_string()))?;
        let (queue, mut jobs) = mpsc::channel::<Job>(QUEUE);
        tokio::spawn(async move {
            while let Some(job) = jobs.recv().await {
                let result = deliver(&transport, &job.message, job.hint.as_deref()).await;
                if let Err(e) = &result {
                    tracing::warn!("mail not delivered: {e}");
                }
                let _ = job.done.send(result);
            }
        });
        Ok(Mailer { from, queue })
    }

    /// Queues the message and waits (bounded) for the worker's answer.
    pub async fn send(&self, email: Email) -> Result<(), MailError> {
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|_| MailError::Address(email.to.clone()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject)
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(email.text),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(email.html),
                    ),
            )
            .map_err(|e| MailError::Delivery(e.to_string()))?;
        let (done, answer) = oneshot::channel();
        self.queue
            .try_send(Job {
                message,
                hint: email.outbox_hint,
                done,
            })
            .map_err(|_| MailError::QueueFull)?;
        match tokio::time::timeout(WAIT, answer).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) | Err(_) => Err(MailError::Timeout),
        }
    }
}

async fn deliver(
    transport: &Transport,
    message: &Message,
    hint: Option<&str>,
) -> Result<(), MailError> {
    let mut last = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(500 << attempt)).await;
        }
        match attempt_once(transport, message, hint).await {
            Ok(()) => return Ok(()),
            Err(e) => last = e,
        }
    }
    Err(MailError::Delivery(last))
}

async fn attempt_once(
    transport: &Transport,
    message: &Message,
    hint: Option<&str>,
) -> Result<(), String> {
    match transport {
        Transport::Smtp(smtp) => smtp
            .send(message.clone())
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Transport::Outbox(dir) => {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| e.to_string())?;
            let name = format!(
                "{}-{:08x}.eml",
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_millis())
                    .unwrap_or(0),
                rand::random::<u32>()
            );
            let path = dir.join(name);
            write_private(&path, message.formatted())
                .await
                .map_err(|e| e.to_string())?;
            match hint {
                Some(h) => {
                    tracing::info!(path = %path.display(), "mail written to the outbox ({h})")
                }
                None => tracing::info!(path = %path.display(), "mail written to the outbox"),
            }
            Ok(())
        }
    }
}

/// An outbox file holds a security code: readable by its owner only (0600).
async fn write_private(path: &std::path::Path, bytes: Vec<u8>) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path).await?;
    file.write_all(&bytes).await?;
    file.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(to: &str) -> Email {
        Email {
            to: to.into(),
            subject: "Codice di sicurezza".into(),
            text: "Il tuo codice è 123456".into(),
            html: "<p>Il tuo codice è <b>123456</b></p>".into(),
            outbox_hint: Some("code 123456".into()),
        }
    }

    #[tokio::test]
    async fn outbox_writes_a_multipart_eml() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = Mailer::start(
            Transport::Outbox(dir.path().join("outbox")),
            "syncgate <noreply@example.it>",
        )
        .unwrap();
        mailer.send(email("anna@example.it")).await.unwrap();
        let mut files = std::fs::read_dir(dir.path().join("outbox")).unwrap();
        let file = files.next().unwrap().unwrap().path();
        assert_eq!(file.extension().unwrap(), "eml");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(
                mode & 0o777,
                0o600,
                "a code in the outbox is its owner's only"
            );
        }
        let eml = std::fs::read_to_string(file).unwrap();
        assert!(eml.contains("To: anna@example.it"));
        assert!(eml.contains("multipart/alternative"));
        assert!(eml.contains("text/plain"));
        assert!(eml.contains("text/html"));
    }

    #[tokio::test]
    async fn a_bad_recipient_is_refused_before_queueing() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = Mailer::start(
            Transport::Outbox(dir.path().to_path_buf()),
            "noreply@example.it",
        )
        .unwrap();
        assert!(matches!(
            mailer.send(email("not an address")).await,
            Err(MailError::Address(_))
        ));
    }

    #[tokio::test]
    async fn an_unreachable_server_is_an_error_not_a_hang() {
        // Port 9 on loopback: nothing listens, the connection is refused at once.
        let smtp = smtp_transport(&SmtpUrl::new("smtp://127.0.0.1:9".into())).unwrap();
        let mailer = Mailer::start(Transport::Smtp(smtp), "noreply@example.it").unwrap();
        assert!(matches!(
            mailer.send(email("anna@example.it")).await,
            Err(MailError::Delivery(_))
        ));
    }

    #[tokio::test]
    async fn smtp_urls_say_how_mail_is_protected() {
        let mode = |url: &str| smtp_plan(url).map(|(_, m)| m);
        assert_eq!(
            mode("smtp://user:pw@mail.example.it:587"),
            Ok(SmtpTls::StartTlsRequired),
            "a remote server is never spoken to in clear"
        );
        assert_eq!(mode("smtps://mail.example.it:465"), Ok(SmtpTls::Wrapper));
        assert_eq!(mode("smtp://127.0.0.1:2525"), Ok(SmtpTls::None), "loopback");
        assert_eq!(mode("smtp://localhost:2525"), Ok(SmtpTls::None));
        assert_eq!(
            mode("smtp://mail.example.it:25?tls=none"),
            Ok(SmtpTls::None),
            "said so"
        );
        assert_eq!(
            mode("smtp://mail.example.it?tls=opportunistic"),
            Ok(SmtpTls::StartTlsOpportunistic)
        );
        assert!(mode("smtp://mail.example.it?tls=maybe").is_err());
        assert!(mode("http://mail.example.it").is_err());
        assert!(mode("not a url").is_err());
        for url in [
            "smtp://user:pw@mail.example.it:587",
            "smtps://mail.example.it:465",
        ] {
            assert!(smtp_transport(&SmtpUrl::new(url.into())).is_ok(), "{url}");
        }
    }
}
