//! What every route of the console's router is given: the application's state and Leptos'
//! options.

use app::backend::state::AppState;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

#[derive(Clone, FromRef)]
pub struct ServerState {
    pub app: AppState,
    pub leptos: LeptosOptions,
}
