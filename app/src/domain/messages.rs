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
    /// More entries than the field holds (e.g. a fourth email).
    TooMany,
    /// Not a date that exists (YYYY-MM-DD).
    DateInvalid,
    /// A contact with no name, company or email.
    ContactNeedsName,
    /// An event that ends before it starts.
    EndBeforeStart,
    /// A time zone that is not an IANA name this server knows.
    TimeZoneUnknown,
    /// A repetition rule that is not valid (or repeats more often than daily).
    RuleInvalid,
    /// A repetition rule with more occurrences than allowed.
    RuleTooMany,
    /// Not a time of day (HH:MM).
    TimeInvalid,
    /// An upload over the size allowed.
    PictureTooLarge,
    /// Not an image the server can read (JPEG, PNG, GIF, WebP).
    PictureFormat,
    /// An import file over the size allowed.
    FileTooLarge,
    /// An import file that is not UTF-8 text.
    FileNotText,
    /// An empty import file (or none chosen).
    FileEmpty,
    /// A file with no vCard / iCalendar entry in it.
    FileNoEntries,
    /// An app code of a time step already used (replay).
    AppCodeUsed,
    RecoveryCodeWrong,
    /// The organisation allows the authenticator app only.
    MethodNotAllowed,
    /// Mail delivery is set by `SYNCGATE_SMTP_URL`: the console cannot change it.
    MailSetByEnvironment,
    MailHostInvalid,
    MailPortInvalid,
    /// "None" security to a server that is not on this machine.
    MailClearOnlyLoopback,
    /// A tenant or client id with characters Azure never uses.
    MailIdInvalid,
    MailTokenUrlInvalid,
    /// "Send test email" needs the admin's own address.
    MailNoOwnEmail,
}
