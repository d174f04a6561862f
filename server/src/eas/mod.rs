//! The ActiveSync door (`/Microsoft-Server-ActiveSync`): what a phone talks to.

pub mod auth;
pub mod autodiscover;
pub mod base64;
pub mod codepages;
pub mod commands;
pub mod door;
pub mod exchange;
pub mod folders;
pub mod items;
pub mod request;
pub mod wbxml;

use axum::extract::DefaultBodyLimit;
use axum::routing::{options, post};
use axum::Router;
use std::sync::Arc;

pub use commands::ping::Waiting;

/// The door's routes; `watch` starts the look at other processes' changes (off in tests
/// that want to count database reads).
pub fn routes(app: app::backend::state::AppState, waiting: Arc<Waiting>) -> Router {
    app::backend::activesync::door::watch_other_processes(
        app.clone(),
        std::time::Duration::from_secs(2),
    );
    let gate = Arc::new(app::backend::activesync::gate::Gate::new(&app));
    let door = door::Door { app, gate, waiting };
    Router::new()
        .route(
            door::PATH,
            options(door::handle_options).fallback(door::handle),
        )
        // Phones ask in either case.
        .route("/autodiscover/autodiscover.xml", post(autodiscover::handle))
        .route("/Autodiscover/Autodiscover.xml", post(autodiscover::handle))
        .layer(DefaultBodyLimit::max(door::MAX_BODY))
        .with_state(door)
}
