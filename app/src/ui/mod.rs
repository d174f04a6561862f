//! Pages (one file per route) and the components they share.

pub mod app;
pub mod components;
pub mod format;
pub mod pages;
pub mod resource;
pub mod session;
