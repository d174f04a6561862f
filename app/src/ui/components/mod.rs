pub mod activesync;
pub mod audit_trail;
pub mod field;
pub mod guard;
pub mod header;
pub mod reauth;
pub mod role_and_login;
pub mod two_factor;
