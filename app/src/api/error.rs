//! The one error type of every server function. It crosses the wire as JSON, and the UI
//! turns it into words in the user's language: no server-side text ever reaches the page.

use crate::i18n::{fill, Texts};
use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// A message key for a field-level problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Msg {
    Required,
    TooLong,
    UsernameFormat,
    UsernameTaken,
    EmailFormat,
    PasswordShort,
    PasswordSameAsUsername,
    PasswordMismatch,
    PasswordWrong,
    PasswordUnchanged,
    CannotDeactivateSelf,
    CodeWrong,
    CodeExpired,
    CodeVoided,
    CodeMissing,
    EmailNeeded,
    EmailFixedByTwoFactor,
    TwoFactorRequired,
    TwoFactorAlreadyOn,
    TwoFactorAlreadyOff,
    CannotResetOwnTwoFactor,
    SyncPasswordShort,
    SyncPasswordSameAsLogin,
    SyncPasswordNeededWithTwoFactor,
    SyncPasswordNeededForTwoFactor,
    PasswordSameAsSync,
    EmailUnchanged,
    EmailTaken,
}

impl Msg {
    pub fn text(self, t: &Texts) -> &'static str {
        match self {
            Msg::Required => t.err_required,
            Msg::TooLong => t.err_too_long,
            Msg::UsernameFormat => t.err_username_format,
            Msg::UsernameTaken => t.err_username_taken,
            Msg::EmailFormat => t.err_email_format,
            Msg::PasswordShort => t.err_password_short,
            Msg::PasswordSameAsUsername => t.err_password_same_as_username,
            Msg::PasswordMismatch => t.err_password_mismatch,
            Msg::PasswordWrong => t.err_password_wrong,
            Msg::PasswordUnchanged => t.err_password_unchanged,
            Msg::CannotDeactivateSelf => t.err_cannot_deactivate_self,
            Msg::CodeWrong => t.err_code_wrong,
            Msg::CodeExpired => t.err_code_expired,
            Msg::CodeVoided => t.err_code_voided,
            Msg::CodeMissing => t.err_code_missing,
            Msg::EmailNeeded => t.err_email_needed,
            Msg::EmailFixedByTwoFactor => t.err_email_fixed_by_two_factor,
            Msg::TwoFactorRequired => t.err_two_factor_required,
            Msg::TwoFactorAlreadyOn => t.err_two_factor_already_on,
            Msg::TwoFactorAlreadyOff => t.err_two_factor_already_off,
            Msg::CannotResetOwnTwoFactor => t.err_cannot_reset_own_two_factor,
            Msg::SyncPasswordShort => t.err_sync_password_short,
            Msg::SyncPasswordSameAsLogin => t.err_sync_password_same_as_login,
            Msg::SyncPasswordNeededWithTwoFactor => t.err_sync_password_needed_with_two_factor,
            Msg::SyncPasswordNeededForTwoFactor => t.err_sync_password_needed_for_two_factor,
            Msg::PasswordSameAsSync => t.err_password_same_as_sync,
            Msg::EmailUnchanged => t.err_email_unchanged,
            Msg::EmailTaken => t.err_email_taken,
        }
    }
}

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
            AppError::NotFound => t.err_user_not_found.to_string(),
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
    /// Logs a server-side failure with a short reference the user can quote, and hides
    /// its details from the browser.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        use rand::Rng;
        let reference: String = format!("{:08x}", rand::thread_rng().gen::<u32>());
        tracing::error!(reference = %reference, "internal error: {cause}");
        AppError::Internal { reference }
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
