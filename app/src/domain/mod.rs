//! Pure rules shared by the server (which enforces them) and the browser (which explains
//! them). No I/O here.

pub mod access;
pub mod activesync;
pub mod app_codes;
pub mod date;
pub mod device_setup;
pub mod folder_hierarchy;
pub mod ids;
pub mod lang;
pub mod mail_delivery;
pub mod messages;
pub mod model;
pub mod otp;
pub mod proxies;
pub mod reauth;
pub mod recovery_codes;
pub mod redirect;
pub mod session_rule;
pub mod sync_state;
pub mod text;
pub mod throttle;
pub mod two_factor;
pub mod validation;
