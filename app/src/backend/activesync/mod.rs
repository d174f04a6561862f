//! ActiveSync for a user: the sync password, the devices the door has seen, and what the
//! door's cached checks were made under.

pub mod credential_epochs;
pub mod devices;
pub mod door;
pub mod gate;
pub mod sync_password;
