//! Mail delivery. A message is stored in the database (`mail_queue`, sealed under the key
//! file: it may hold a security code) before anything is tried, so a crash or a restart loses
//! none; each instance's worker claims due messages one at a time, so none goes out twice with
//! several instances; a failed attempt is retried with growing waits. The request that queued a
//! message waits at most `WAIT` for its first attempts, so a slow or dead mail server never
//! hangs a page: the user is told the email could not be sent (it is still retried later).

pub mod admin;
pub mod console;
pub mod delivery;
pub mod expiry;
pub mod message;
pub mod notices;
pub mod oauth;
pub mod server;

pub use message::{split_head, unfolded, with_sender};
pub use server::{smtp_plan, smtp_transport, Login, OAuthApp, SmtpServer, SmtpTls, SmtpUrl};

use crate::backend::secrets::SecretBox;
use crate::backend::store::{self, mail_queue, Pool};
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::Message;
use mail_queue::OWNER as QUEUE_OWNER;
use oauth::TokenCache;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::Notify;

/// Attempts after which the request that queued a message is told it failed.
const ATTEMPTS_BEFORE_TELLING: i64 = 3;
/// Attempts after which a message is dropped (about a day of retries).
const ATTEMPTS_AT_MOST: i64 = 12;
const WAIT: Duration = Duration::from_secs(20);
/// How long a claim lasts: longer than one delivery (40 s at most), after which another instance
/// may take the message of an instance that died mid-send.
const CLAIM_SECS: i64 = 60;
/// The sender until one is configured (`SYNCGATE_MAIL_FROM` or /admin/settings).
pub const DEFAULT_FROM: &str = "syncgate <noreply@localhost>";

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

/// Where mail goes, as the server was started.
#[derive(Clone, Debug)]
pub enum Transport {
    /// `SYNCGATE_SMTP_URL`: fixed (shown read-only on /admin/settings).
    Smtp(SmtpServer),
    /// No URL: the mail server saved on /admin/settings, read for each message (a change
    /// applies to the next one, on every instance); until one is saved, `.eml` files in this
    /// outbox folder.
    Console(PathBuf),
}

/// What is sealed into the queue.
#[derive(serde::Serialize, serde::Deserialize)]
struct Queued {
    message: String,
    hint: Option<String>,
}

#[derive(Clone)]
pub struct Mailer {
    routing: Arc<Routing>,
    queue: Arc<OnceLock<Queue>>,
}

/// What decides where and as whom a message goes (see `console::route`).
pub struct Routing {
    pub transport: Transport,
    /// `SYNCGATE_MAIL_FROM`, or the default until the console saves a sender.
    pub from: Mailbox,
    /// `SYNCGATE_MAIL_FROM` is set: the console's sender is not used.
    pub sender_fixed: bool,
    pub tokens: TokenCache,
}

#[derive(Clone)]
struct Queue {
    pool: Pool,
    secrets: Arc<SecretBox>,
    wake: Arc<Notify>,
}

impl Mailer {
    /// The mailer; it delivers once `attach`ed to the database (`AppState` does that).
    pub fn start(transport: Transport, from: &str) -> Result<Mailer, MailError> {
        let from: Mailbox = from
            .parse()
            .map_err(|_| MailError::Address(from.to_string()))?;
        Ok(Mailer {
            routing: Arc::new(Routing {
                transport,
                from,
                sender_fixed: true,
                tokens: TokenCache::new(),
            }),
            queue: Arc::new(OnceLock::new()),
        })
    }

    /// `SYNCGATE_MAIL_FROM` is not set: the sender saved on /admin/settings is used.
    pub fn with_console_sender(mut self) -> Mailer {
        if let Some(routing) = Arc::get_mut(&mut self.routing) {
            routing.sender_fixed = false;
        }
        self
    }

    pub fn routing(&self) -> &Routing {
        &self.routing
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
        tokio::spawn(work(queue, self.routing.clone(), single));
    }

    /// Tries every waiting message now (the settings changed: waiting out a backoff made
    /// under the old ones would only delay codes).
    pub async fn retry_now(&self) -> Result<(), MailError> {
        let queue = self.queue.get().ok_or(MailError::NotStarted)?;
        mail_queue::due_now(&queue.pool, unix_now())
            .await
            .map_err(|e| MailError::Queue(e.to_string()))?;
        queue.wake.notify_one();
        Ok(())
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
            .from(self.routing.from.clone())
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
        lines.insert(0, format!("From: {}", self.routing.from));
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
        let message = message::build(&self.routing.from, &email)?;
        let id = self
            .enqueue(&email.to, &message, email.outbox_hint.clone())
            .await?;
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

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// One instance's worker: due messages one at a time, then a nap until woken or a second
/// passed (messages queued by other instances, retries coming due).
async fn work(queue: Queue, routing: Arc<Routing>, single_instance: bool) {
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
            Ok(Some(job)) => deliver(&queue, &routing, job).await,
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

async fn deliver(queue: &Queue, routing: &Routing, job: mail_queue::Queued) {
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
    let result = match console::route(routing, &queue.pool, &queue.secrets).await {
        Ok(route) => {
            let hint = payload.hint.as_deref();
            let sent = console::send_now(
                &route,
                &routing.tokens,
                &job.recipient,
                &payload.message,
                hint,
            );
            sent.await.result.map_err(|f| console::describe(&f))
        }
        Err(e) => Err(e),
    };
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

/// Writes one message as an `.eml` file in the outbox folder (its code, if any, is logged:
/// the outbox is for trying syncgate without a mail server).
pub(crate) async fn write_to_outbox(
    dir: &std::path::Path,
    message: Vec<u8>,
    hint: Option<&str>,
) -> Result<(), String> {
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
    write_private(&path, message)
        .await
        .map_err(|e| e.to_string())?;
    match hint {
        Some(h) => tracing::info!(path = %path.display(), "mail written to the outbox ({h})"),
        None => tracing::info!(path = %path.display(), "mail written to the outbox"),
    }
    Ok(())
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
        let (mailer, db) =
            attached(Transport::Console(dir.path().join("outbox")), dir.path()).await;
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
        let (mailer, db) = attached(Transport::Console(dir.path().to_path_buf()), dir.path()).await;
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
