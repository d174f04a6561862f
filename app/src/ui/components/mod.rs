pub mod field;
pub mod guard;
pub mod header;
pub mod role_and_login;
