pub mod admin_user;
pub mod admin_users;
pub mod login;
pub mod not_found;
pub mod preferences;
