//! The second factor: emailed one-time codes (issued, hashed, checked) and their delivery, the
//! authenticator app, recovery codes, the proof asked at sign-in and re-authentication, and
//! turning 2FA on, off, switched, required or reset.

pub mod app;
pub mod codes;
pub mod email;
pub mod lifecycle;
pub mod proof;
pub mod recovery;

pub use codes::Purpose;
pub use email::{check_bound_code, check_code, send_code, send_code_to, CodeSent};
pub use proof::Proof;
