//! The services behind the API (server only). Nothing here knows about pages.

pub mod accounts;
pub mod clock;
pub mod context;
pub mod passwords;
pub mod sessions;
pub mod state;
pub mod store;
pub mod throttle;
