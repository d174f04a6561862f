//! The nouns every layer speaks: plain serializable data, no I/O. The backend builds them,
//! server functions send them (they are the API's DTOs), pages show them.

pub mod account;
pub mod activesync;
pub mod audit;
pub mod calendar;
pub mod calendar_view;
pub mod contacts;
pub mod event_form;
pub mod folders;
pub mod import;
pub mod mail;

pub use crate::domain::activesync::DeviceCredential;
pub use crate::domain::device_setup::DeviceEndpoint;
pub use crate::domain::ids::UserId;
pub use crate::domain::lang::Lang;
pub use crate::domain::messages::Msg;
pub use crate::domain::two_factor::TwoFactorMethod;
pub use account::*;
pub use activesync::*;
pub use audit::*;
pub use mail::*;
