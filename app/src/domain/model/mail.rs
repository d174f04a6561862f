//! Mail delivery on /admin/settings: what the page shows, what it sends back, and the answer
//! of "Send test email". Never a password or a client secret: only whether one is saved.

use crate::domain::date::Date;
use crate::domain::mail_delivery::{SecretExpiry, Security, SignIn, TokenProblem};
use serde::{Deserialize, Serialize};

/// Where the settings in effect come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailSource {
    /// Nothing configured: each email is written to `data/outbox/`.
    Outbox,
    /// Saved on /admin/settings.
    Console,
    /// `SYNCGATE_SMTP_URL`: shown read-only.
    Environment,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailSettings {
    pub source: MailSource,
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub from_address: String,
    pub from_name: String,
    /// `SYNCGATE_MAIL_FROM` is set: the sender is read-only.
    pub sender_from_environment: bool,
    pub sign_in: SignIn,
    pub username: String,
    pub password_saved: bool,
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret_saved: bool,
    pub secret_expires_on: Option<Date>,
    /// Empty: Microsoft's endpoint for the tenant.
    pub token_url: String,
    /// The client secret's expiry on today's date, when OAuth2 is in use with a date.
    pub expiry: Option<SecretExpiry>,
    /// Where "Send test email" sends: the admin's own address.
    pub test_to: Option<String>,
}

/// What the admin saves. An empty password or client secret keeps the saved one (while the
/// server, user or endpoint it goes to is the same).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailSettingsForm {
    pub host: String,
    pub port: String,
    pub security: String,
    pub from_address: String,
    pub from_name: String,
    pub sign_in: String,
    pub username: String,
    pub password: String,
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    /// `YYYY-MM-DD`, or empty.
    pub secret_expires_on: String,
    pub token_url: String,
}

/// Never prints the password or the client secret.
impl std::fmt::Debug for MailSettingsForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettingsForm")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("sign_in", &self.sign_in)
            .field("username", &self.username)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// A step of a delivery that went well.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailStep {
    /// The host name was found (its first address).
    Resolved {
        address: String,
    },
    Connected,
    /// TLS is up (implicit, or after STARTTLS).
    Encrypted,
    /// The token endpoint gave an access token (or a cached one was still good).
    TokenObtained,
    SignedIn,
    /// The server took the message: its reply.
    Accepted {
        reply: String,
    },
    /// No mail server: the message is in the outbox folder.
    WrittenToOutbox,
}

/// Where a delivery stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailFailedAt {
    /// The host name does not resolve.
    Resolve,
    /// Refused, unreachable or timed out.
    Connect,
    /// TLS could not be set up (certificate, protocol, STARTTLS not offered).
    Tls,
    /// The token endpoint refused or could not be reached.
    Token,
    /// The mail server refused the sign-in.
    SignIn,
    /// The mail server refused the message (sender, recipient, content).
    Send,
    /// No answer in time.
    Timeout,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailFailure {
    pub at: MailFailedAt,
    /// Microsoft's code (`AADSTS7000215`) or the SMTP reply code, when there is one.
    pub code: Option<String>,
    /// For `Token`: what the refusal means.
    pub token: Option<TokenProblem>,
    /// The server's or library's own words (never a secret).
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailTestReport {
    pub to: String,
    pub steps: Vec<MailStep>,
    pub failure: Option<MailFailure>,
}

/// The client secret's warning on admin pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailSecretWarning {
    pub expires_on: Date,
    pub expiry: SecretExpiry,
}
