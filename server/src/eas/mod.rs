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

/// The door; it starts the look at other processes' changes.
pub fn door(app: app::backend::state::AppState, waiting: Arc<Waiting>) -> door::Door {
    app::backend::activesync::door::watch_other_processes(
        app.clone(),
        std::time::Duration::from_secs(2),
    );
    let gate = Arc::new(app::backend::activesync::gate::Gate::new(&app));
    let places = Arc::new(tokio::sync::Semaphore::new(door::PLACES));
    door::Door {
        app,
        gate,
        waiting,
        places,
    }
}

/// The door's routes (a phone's plain requests skip them: `phone_connections`).
pub fn routes(door: door::Door) -> Router {
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
