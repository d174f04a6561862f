pub mod admin_settings;
pub mod admin_user;
pub mod admin_users;
pub mod choose_password;
pub mod enrol;
pub mod login;
pub mod not_found;
pub mod preferences;
