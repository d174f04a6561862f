//! The services behind the API (server only). Nothing here knows about pages.

pub mod accounts;
pub mod activesync;
pub mod audit;
pub mod clock;
pub mod context;
pub mod devices;
pub mod key_rotation;
pub mod keyring;
pub mod mail;
pub mod notices;
pub mod otp;
pub mod passwords;
pub mod reauth;
pub mod second_factor;
pub mod secrets;
pub mod sessions;
pub mod state;
pub mod store;
pub mod throttle;
pub mod two_factor;
