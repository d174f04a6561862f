//! Pages (one file per route) and the components they share.

pub mod app;
pub mod clipboard;
pub mod components;
pub mod format;
pub mod navigate;
pub mod pages;
pub mod resource;
pub mod routes;
pub mod scripts;
pub mod server_pages;
pub mod session;
