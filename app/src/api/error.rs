//! The one error type of every server function. It crosses the wire as JSON, and the UI
//! turns it into words in the user's language: no server-side text ever reaches the page.

use crate::i18n::{fill, Texts};
use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

pub use crate::domain::messages::Msg;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// No valid session: sign in again.
    #[error("not signed in")]
    Unauthenticated,
    /// Signed in, but not allowed.
    #[error("forbidden")]
    Forbidden,
    /// The action needs a fresh re-authentication (SPEC 1.4): the UI opens the dialog.
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
    /// Too many failures; try again later.
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    /// One field is wrong; nothing was changed.
    #[error("invalid {field}")]
    Invalid { field: String, msg: Msg },
    #[error("not found")]
    NotFound,
    /// The email (with a code) could not be delivered.
    #[error("mail failed")]
    MailFailed,
    /// A new code was asked for too soon.
    #[error("too soon")]
    TooSoon { retry_after_secs: u64 },
    /// A server-side failure, logged under this reference.
    #[error("internal error {reference}")]
    Internal { reference: String },
    /// The request never got a proper answer (network, decoding).
    #[error("transport: {0}")]
    Transport(String),
}

impl AppError {
    pub fn invalid(field: &str, msg: Msg) -> Self {
        AppError::Invalid {
            field: field.to_string(),
            msg,
        }
    }

    /// The message for `field`, if this error is about that field.
    pub fn for_field(&self, field: &str) -> Option<Msg> {
        match self {
            AppError::Invalid { field: f, msg } if f == field => Some(*msg),
            _ => None,
        }
    }

    /// Words for the user.
    pub fn text(&self, t: &Texts) -> String {
        match self {
            AppError::Unauthenticated => t.err_unauthenticated.to_string(),
            AppError::Forbidden => t.err_forbidden.to_string(),
            AppError::ReauthRequired => t.err_reauth_required.to_string(),
            AppError::EnrolmentRequired => t.err_enrolment_required.to_string(),
            AppError::PasswordChangeRequired => t.err_password_change_required.to_string(),
            AppError::LoginFailed => t.err_login_failed.to_string(),
            AppError::RateLimited { retry_after_secs } => {
                fill(t.err_rate_limited, retry_after_secs)
            }
            AppError::Invalid { msg, .. } => msg.text(t).to_string(),
            AppError::NotFound => t.err_not_found.to_string(),
            AppError::MailFailed => t.err_mail_failed.to_string(),
            AppError::TooSoon { retry_after_secs } => fill(t.err_too_soon, retry_after_secs),
            AppError::Internal { reference } => fill(t.err_internal, reference),
            AppError::Transport(_) => t.err_network.to_string(),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(e)
            | ServerFnErrorErr::Response(e)
            | ServerFnErrorErr::Deserialization(e)
            | ServerFnErrorErr::Serialization(e)
            | ServerFnErrorErr::UnsupportedRequestMethod(e) => AppError::Transport(e),
            other => AppError::Transport(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// Logs a server-side failure under the request's id (a reference the user can quote)
    /// and hides its details from the browser.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let reference = request_id();
        tracing::error!(request = %reference, "internal error: {cause}");
        AppError::Internal { reference }
    }
}

/// The id of one HTTP request, set by the server's middleware: an internal error is logged
/// under it and the user is shown it to quote.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestId(pub String);

#[cfg(feature = "ssr")]
impl RequestId {
    pub fn new() -> Self {
        use rand::Rng;
        RequestId(format!("{:08x}", rand::thread_rng().gen::<u32>()))
    }
}

#[cfg(feature = "ssr")]
impl Default for RequestId {
    fn default() -> Self {
        Self::new()
    }
}

/// The current request's id (a fresh one outside a request).
#[cfg(feature = "ssr")]
pub fn request_id() -> String {
    leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|p| p.extensions.get::<RequestId>().cloned())
        .unwrap_or_default()
        .0
}

/// The one way a backend answer becomes a wire error.
#[cfg(feature = "ssr")]
impl From<crate::backend::error::Error> for AppError {
    fn from(e: crate::backend::error::Error) -> Self {
        use crate::backend::error::Error as E;
        match e {
            E::Unauthenticated => AppError::Unauthenticated,
            E::Forbidden => AppError::Forbidden,
            E::ReauthRequired => AppError::ReauthRequired,
            E::EnrolmentRequired => AppError::EnrolmentRequired,
            E::PasswordChangeRequired => AppError::PasswordChangeRequired,
            E::LoginFailed => AppError::LoginFailed,
            E::RateLimited { retry_after_secs } => AppError::RateLimited { retry_after_secs },
            E::Invalid { field, msg } => AppError::invalid(field, msg),
            E::NotFound => AppError::NotFound,
            E::MailFailed => AppError::MailFailed,
            E::TooSoon { retry_after_secs } => AppError::TooSoon { retry_after_secs },
            E::Internal(cause) => AppError::internal(cause),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn field_errors_are_found_by_field() {
        let e = AppError::invalid("email", Msg::EmailFormat);
        assert_eq!(e.for_field("email"), Some(Msg::EmailFormat));
        assert_eq!(e.for_field("username"), None);
        assert_eq!(AppError::Forbidden.for_field("email"), None);
    }

    #[test]
    fn errors_speak_the_users_language() {
        let e = AppError::RateLimited {
            retry_after_secs: 8,
        };
        assert_eq!(
            e.text(Lang::En.texts()),
            "Too many failed attempts. Try again in 8 seconds."
        );
        assert_eq!(
            e.text(Lang::It.texts()),
            "Troppi tentativi falliti. Riprova tra 8 secondi."
        );
        assert_eq!(
            AppError::LoginFailed.text(Lang::It.texts()),
            "Nome utente o password errati."
        );
    }
}
