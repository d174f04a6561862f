//! Message keys: what went wrong with a field, as a key the UI turns into words in the
//! user's language (`i18n`). The server never sends text.

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
    /// A language code the console does not speak.
    UnknownLanguage,
}
