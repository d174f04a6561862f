//! The services behind the API (server only). Nothing here knows about pages.

pub mod accounts;
pub mod clock;
pub mod context;
pub mod mail;
pub mod otp;
pub mod passwords;
pub mod second_factor;
pub mod sessions;
pub mod state;
pub mod store;
pub mod throttle;
