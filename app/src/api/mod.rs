//! Server functions, one module per resource, and the data they exchange. A body is thin:
//! who is asking, validate, one backend call, a DTO back.

pub mod activesync;
pub mod calendar;
pub mod contacts;
#[cfg(feature = "ssr")]
pub mod context;
pub mod devices;
pub mod dto;
pub mod error;
pub mod me;
pub mod reauth;
pub mod session;
pub mod settings;
pub mod two_factor;
pub mod users;
