//! The syncgate server: configuration, start-up and the axum router. The binary in `main.rs`
//! is a thin CLI over this library, which the integration tests drive directly.

pub mod cli;
pub mod config;
pub mod connections;
pub mod console;
pub mod database_errors;
pub mod eas;
pub mod http;
pub mod interchange;
pub mod phone_connections;
pub mod pictures;
pub mod router;
pub mod security;
pub mod sessions;
pub mod startup;
pub mod state;
pub mod upload;
