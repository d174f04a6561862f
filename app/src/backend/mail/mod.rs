//! Mail delivery. A message is stored in the database (`mail_queue`, sealed under the key
//! file: it may hold a security code) before anything is tried, so a crash or a restart loses
//! none; each instance's worker claims due messages one at a time, so none goes out twice with
//! several instances; a failed attempt is retried with growing waits. The request that queued a
//! message waits at most `WAIT` for its first attempts, so a slow or dead mail server never
//! hangs a page: the user is told the email could not be sent (it is still retried later).

pub mod notices;

use crate::backend::secrets::SecretBox;
use crate::backend::store::{self, mail_queue, Pool};
use crate::domain::ids::UserId;
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::Notify;

/// Attempts after which the request that queued a message is told it failed.
const ATTEMPTS_BEFORE_TELLING: i64 = 3;
/// Attempts after which a message is dropped (about a day of retries).
const ATTEMPTS_AT_MOST: i64 = 12;
const WAIT: Duration = Duration::from_secs(20);
/// How long a claim lasts: longer than one SMTP attempt (15 s), after which another instance
/// may take the message of an instance that died mid-send.
const CLAIM_SECS: i64 = 60;
/// The queue's sealed messages belong to no user.
const QUEUE_OWNER: UserId = UserId(0);

/// Seconds to wait after the `n`-th failed attempt.
pub fn backoff(failed_attempts: i64) -> i64 {
    match failed_attempts {
        ..=1 => 1,
        2 => 2,
        3 => 30,
        4 => 120,
        5 => 600,
        6 => 1800,
        _ => 3600,
    }
}

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

/// An event sent to an attendee (iTIP over email, RFC 6047): a short text and the
/// `text/calendar` part calendars act on.
#[derive(Clone, Debug)]
pub struct Invitation {
    pub to: String,
    /// The organizer: replies written by hand go to them, not to syncgate's sender.
    pub reply_to: String,
    pub subject: String,
    pub text: String,
    /// `REQUEST` or `CANCEL`, as in the calendar.
    pub method: &'static str,
    pub calendar: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MailError {
    #[error("the mail queue is not running")]
    NotStarted,
    #[error("delivery failed: {0}")]
    Delivery(String),
    #[error("no answer from the mail worker in time")]
    Timeout,
    #[error("bad address: {0}")]
    Address(String),
    #[error("the mail queue: {0}")]
    Queue(String),
}

#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

/// What is sealed into the queue.
#[derive(serde::Serialize, serde::Deserialize)]
struct Queued {
    message: String,
    hint: Option<String>,
}

#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
    queue: Arc<OnceLock<Queue>>,
}

#[derive(Clone)]
struct Queue {
    pool: Pool,
    secrets: Arc<SecretBox>,
    wake: Arc<Notify>,
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
    /// The mailer; it delivers once `attach`ed to the database (`AppState` does that).
    pub fn start(transport: Transport, from: &str) -> Result<Mailer, MailError> {
        let from: Mailbox = from
            .parse()
            .map_err(|_| MailError::Address(from.to_string()))?;
        Ok(Mailer {
            from,
            transport,
            queue: Arc::new(OnceLock::new()),
        })
    }

    /// Starts this instance's worker over the database's queue (once; later calls do nothing).
    pub fn attach(&self, database: &store::Database, secrets: Arc<SecretBox>) {
        let queue = Queue {
            pool: database.pool.clone(),
            secrets,
            wake: Arc::new(Notify::new()),
        };
        if self.queue.set(queue.clone()).is_err() {
            return;
        }
        let single = database.kind() == store::Kind::Sqlite;
        let transport = self.transport.clone();
        tokio::spawn(work(queue, transport, single));
    }

    /// Stores an invitation for delivery; does not wait for it (attendees are not the user,
    /// whose change is done whether or not their mail server answers now).
    pub async fn queue_invitation(&self, invitation: Invitation) -> Result<(), MailError> {
        let to: Mailbox = invitation
            .to
            .parse()
            .map_err(|_| MailError::Address(invitation.to.clone()))?;
        let reply_to: Mailbox = invitation
            .reply_to
            .parse()
            .map_err(|_| MailError::Address(invitation.reply_to.clone()))?;
        let calendar_type = ContentType::parse(&format!(
            "text/calendar; charset=utf-8; method={}",
            invitation.method
        ))
        .map_err(|e| MailError::Delivery(e.to_string()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .reply_to(reply_to)
            .to(to)
            .subject(invitation.subject)
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(invitation.text),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(calendar_type)
                            .body(invitation.calendar),
                    ),
            )
            .map_err(|e| MailError::Delivery(e.to_string()))?;
        self.enqueue(&invitation.to, &message, None)
            .await
            .map(|_| ())
    }

    /// Queues a message a phone wrote (an invitation it sends with SendMail) for each
    /// recipient, as it is except for its sender: syncgate's address in `From`, the user's in
    /// `Reply-To` (a mail server would refuse syncgate sending as the user's domain).
    /// `Bcc` is dropped from what recipients see.
    pub async fn queue_from_phone(
        &self,
        recipients: &[String],
        reply_to: &str,
        message: &str,
    ) -> Result<(), MailError> {
        let queue = self.queue.get().ok_or(MailError::NotStarted)?;
        let (head, body) = split_head(message);
        let mut lines: Vec<String> = Vec::new();
        for field in unfolded(head) {
            let name = field
                .split(':')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            if !matches!(name.as_str(), "from" | "sender" | "reply-to" | "bcc") {
                lines.push(field);
            }
        }
        lines.insert(0, format!("From: {}", self.from));
        lines.insert(1, format!("Reply-To: {reply_to}"));
        let raw = format!("{}\r\n\r\n{body}", lines.join("\r\n"));
        for to in recipients {
            let payload = Queued {
                message: raw.clone(),
                hint: None,
            };
            let json =
                serde_json::to_string(&payload).map_err(|e| MailError::Queue(e.to_string()))?;
            let sealed = queue.secrets.seal(QUEUE_OWNER, &json);
            mail_queue::enqueue(&queue.pool, to, &sealed, unix_now())
                .await
                .map_err(|e| MailError::Queue(e.to_string()))?;
        }
        queue.wake.notify_one();
        Ok(())
    }

    /// Seals the message into the queue and wakes the worker; the queue's id.
    async fn enqueue(
        &self,
        to: &str,
        message: &Message,
        hint: Option<String>,
    ) -> Result<i64, MailError> {
        let queue = self.queue.get().ok_or(MailError::NotStarted)?;
        let payload = Queued {
            // lettre writes 7-bit text (quoted-printable or base64 bodies).
            message: String::from_utf8_lossy(&message.formatted()).into_owned(),
            hint,
        };
        let json = serde_json::to_string(&payload).map_err(|e| MailError::Queue(e.to_string()))?;
        let sealed = queue.secrets.seal(QUEUE_OWNER, &json);
        let id = mail_queue::enqueue(&queue.pool, to, &sealed, unix_now())
            .await
            .map_err(|e| MailError::Queue(e.to_string()))?;
        queue.wake.notify_one();
        Ok(id)
    }

    /// Stores the message, then waits (bounded) for its first attempts.
    pub async fn send(&self, email: Email) -> Result<(), MailError> {
        let queue = self.queue.get().ok_or(MailError::NotStarted)?;
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
        let id = self.enqueue(&email.to, &message, email.outbox_hint).await?;
        let waited = tokio::time::timeout(WAIT, async {
            loop {
                match mail_queue::outcome(&queue.pool, id).await {
                    Ok(None) => return Ok(()),
                    Ok(Some((attempts, error))) if attempts >= ATTEMPTS_BEFORE_TELLING => {
                        return Err(MailError::Delivery(error))
                    }
                    Ok(Some(_)) => tokio::time::sleep(Duration::from_millis(50)).await,
                    Err(e) => return Err(MailError::Queue(e.to_string())),
                }
            }
        })
        .await;
        waited.unwrap_or(Err(MailError::Timeout))
    }
}

/// A message's header block and body (CRLF or LF line ends).
pub fn split_head(message: &str) -> (&str, &str) {
    for sep in ["\r\n\r\n", "\n\n"] {
        if let Some(at) = message.find(sep) {
            return (&message[..at], &message[at + sep.len()..]);
        }
    }
    (message, "")
}

/// The header fields of a header block, each on one line (RFC 5322 unfolding).
pub fn unfolded(head: &str) -> Vec<String> {
    let mut fields: Vec<String> = Vec::new();
    for line in head.lines() {
        let line = line.trim_end_matches('\r');
        match fields.last_mut() {
            Some(last) if line.starts_with([' ', '\t']) => {
                last.push(' ');
                last.push_str(line.trim_start());
            }
            _ => fields.push(line.to_string()),
        }
    }
    fields
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// One instance's worker: due messages one at a time, then a nap until woken or a second
/// passed (messages queued by other instances, retries coming due).
async fn work(queue: Queue, transport: Transport, single_instance: bool) {
    let me = format!("{:016x}", rand::random::<u64>());
    if single_instance {
        // SQLite has one instance: a claim still standing is from before a crash.
        if let Err(e) = mail_queue::release_all(&queue.pool).await {
            tracing::warn!("mail queue: {e}");
        }
    }
    loop {
        let now = unix_now();
        match mail_queue::claim_next(&queue.pool, &me, now, now + CLAIM_SECS).await {
            Ok(Some(job)) => deliver(&queue, &transport, job).await,
            Ok(None) => {
                let _ = tokio::time::timeout(Duration::from_secs(1), queue.wake.notified()).await;
            }
            Err(e) => {
                tracing::warn!("mail queue: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

async fn deliver(queue: &Queue, transport: &Transport, job: mail_queue::Queued) {
    let opened = queue
        .secrets
        .open(QUEUE_OWNER, &job.sealed())
        .ok()
        .and_then(|json| serde_json::from_str::<Queued>(&json).ok());
    let Some(payload) = opened else {
        tracing::warn!(
            id = job.id,
            "mail queue: a message cannot be opened with the key file; dropped"
        );
        let _ = mail_queue::delivered(&queue.pool, job.id).await;
        return;
    };
    let result = attempt_once(transport, &job.recipient, &payload).await;
    let stored = match result {
        Ok(()) => mail_queue::delivered(&queue.pool, job.id).await,
        Err(e) if job.attempts + 1 >= ATTEMPTS_AT_MOST => {
            tracing::warn!(
                id = job.id,
                "mail not delivered after {ATTEMPTS_AT_MOST} attempts, dropped: {e}"
            );
            mail_queue::delivered(&queue.pool, job.id).await
        }
        Err(e) => {
            tracing::warn!(
                id = job.id,
                attempt = job.attempts + 1,
                "mail not delivered: {e}"
            );
            let next = unix_now() + backoff(job.attempts + 1);
            mail_queue::failed(&queue.pool, job.id, next, &e).await
        }
    };
    if let Err(e) = stored {
        tracing::warn!("mail queue: {e}");
    }
}

async fn attempt_once(transport: &Transport, to: &str, payload: &Queued) -> Result<(), String> {
    let hint = payload.hint.as_deref();
    match transport {
        Transport::Smtp(smtp) => {
            let envelope = lettre::address::Envelope::new(
                None,
                vec![to.parse().map_err(|e| format!("bad address: {e}"))?],
            )
            .map_err(|e| e.to_string())?;
            smtp.send_raw(&envelope, payload.message.as_bytes())
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
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
            write_private(&path, payload.message.clone().into_bytes())
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

    /// A mailer attached to a new SQLite database in `dir` (its queue).
    async fn attached(transport: Transport, dir: &std::path::Path) -> (Mailer, store::Database) {
        let db = store::temporary(dir).await;
        let mailer = Mailer::start(transport, "syncgate <noreply@example.it>").unwrap();
        let ring = crate::backend::secrets::keyring::KeyRing::single([9u8; 32]);
        mailer.attach(&db, Arc::new(SecretBox::new(&ring)));
        (mailer, db)
    }

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
        let (mailer, db) = attached(Transport::Outbox(dir.path().join("outbox")), dir.path()).await;
        mailer.send(email("anna@example.it")).await.unwrap();
        assert_eq!(
            mail_queue::waiting(&db.pool).await.unwrap(),
            0,
            "delivered, gone"
        );
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
        let (mailer, db) = attached(Transport::Outbox(dir.path().to_path_buf()), dir.path()).await;
        assert!(matches!(
            mailer.send(email("not an address")).await,
            Err(MailError::Address(_))
        ));
        assert_eq!(mail_queue::waiting(&db.pool).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn an_unreachable_server_is_an_error_not_a_hang() {
        // Port 9 on loopback: nothing listens, the connection is refused at once.
        let dir = tempfile::tempdir().unwrap();
        let smtp = smtp_transport(&SmtpUrl::new("smtp://127.0.0.1:9".into())).unwrap();
        let (mailer, db) = attached(Transport::Smtp(smtp), dir.path()).await;
        assert!(matches!(
            mailer.send(email("anna@example.it")).await,
            Err(MailError::Delivery(_))
        ));
        // Still queued, sealed: retried later, and the code is not readable in the database.
        assert_eq!(mail_queue::waiting(&db.pool).await.unwrap(), 1);
        let (stored,): (Vec<u8>,) = sqlx::query_as("SELECT ciphertext FROM mail_queue")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert!(!String::from_utf8_lossy(&stored).contains("123456"));
    }

    #[test]
    fn retries_wait_longer_and_longer_up_to_an_hour() {
        let waits: Vec<i64> = (1..=9).map(backoff).collect();
        assert!(waits.windows(2).all(|w| w[0] <= w[1]), "{waits:?}");
        assert_eq!(waits[0], 1);
        assert_eq!(*waits.last().unwrap(), 3600);
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
