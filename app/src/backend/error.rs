//! What a backend service can answer instead of a result. The API turns it into the wire
//! error (`api::error::Error`) in one place, logging an internal cause there; the door
//! turns it into HTTP statuses. Nothing here is text for a user.

use crate::domain::messages::Msg;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not signed in")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    /// The action needs a fresh re-authentication (SPEC 1.4).
    #[error("re-authentication required")]
    ReauthRequired,
    /// 2FA is required and not set up: only enrolment is allowed until it is.
    #[error("two-factor enrolment required")]
    EnrolmentRequired,
    /// Signed in with a one-time password: only choosing one's own is allowed until done.
    #[error("password change required")]
    PasswordChangeRequired,
    /// Wrong username or password (the same for both, on purpose).
    #[error("login failed")]
    LoginFailed,
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    /// One field is wrong; nothing was changed.
    #[error("invalid {field}")]
    Invalid { field: &'static str, msg: Msg },
    #[error("not found")]
    NotFound,
    /// The email (with a code) could not be delivered.
    #[error("mail failed")]
    MailFailed,
    /// A new code was asked for too soon.
    #[error("too soon")]
    TooSoon { retry_after_secs: u64 },
    /// A failure of the server itself (database, hashing, a broken invariant): logged by
    /// whoever answers the request, never shown.
    #[error("internal: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(field: &'static str, msg: Msg) -> Self {
        Error::Invalid { field, msg }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Error::Internal(cause.to_string())
    }

    /// The same field problem shown at another field (a code checked for the login step and
    /// for the re-authentication dialog).
    pub fn at_field(self, field: &'static str) -> Self {
        match self {
            Error::Invalid { msg, .. } => Error::Invalid { field, msg },
            other => other,
        }
    }
}
