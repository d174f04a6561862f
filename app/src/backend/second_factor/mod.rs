//! The second factor: one-time codes (issued, hashed, checked), their delivery by email, and
//! turning 2FA on, off, required or reset.

pub mod codes;
pub mod email;
pub mod lifecycle;

pub use codes::Purpose;
pub use email::{check_bound_code, check_code, send_code, send_code_to, CodeSent};
