//! Who someone is: accounts, login passwords, sessions, re-authentication, throttling.

pub mod accounts;
pub mod login;
pub mod own_account;
pub mod passwords;
pub mod proofs;
pub mod reauth;
pub mod sessions;
pub mod throttle;
pub mod views;

/// The stored account every identity service works on.
pub use crate::backend::store::users::UserRecord;
