//! The axum router: pages (server-rendered Leptos), server functions, static files,
//! `/healthz`, all behind the session layer.

use crate::security;
use crate::sessions::Sessions;
pub use crate::state::ServerState;
use app::api::dto::SessionInfo;
use app::backend::{identity::sessions, state::AppState};
use app::i18n::{from_accept_language, Lang};
use app::{shell, App};
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, Request};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{
    generate_route_list, handle_server_fns_with_context, AxumRouteListing, LeptosRoutes,
};
use std::path::Path;
use tower_http::services::ServeDir;
use tower_sessions::cookie::{time::Duration, SameSite};
use tower_sessions::{Expiry, Session, SessionManagerLayer};

pub fn leptos_options(site_root: &Path, listen: std::net::SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("syncgate")
        .site_root(site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(listen)
        .build()
}

/// Creates the session table if needed and spawns the sweeper of expired sessions.
pub async fn session_store(state: &AppState) -> anyhow::Result<Sessions> {
    use tower_sessions::ExpiredDeletion;
    let store = Sessions::open(&state.database).await?;
    tokio::spawn(
        store
            .clone()
            .continuously_delete_expired(tokio::time::Duration::from_secs(3600)),
    );
    Ok(store)
}

/// The largest body a server function is given.
pub const SERVER_FN_BODY: usize = 256 * 1024;

pub fn build(
    state: AppState,
    leptos: LeptosOptions,
    store: Sessions,
    cookie_secure: bool,
) -> Router {
    build_with_door(state, leptos, store, cookie_secure).0
}

/// `build`, and the door: the connection layer answers phones' plain requests with it, and
/// its register of waiting Pings is answered at once when the server drains.
pub fn build_with_door(
    state: AppState,
    leptos: LeptosOptions,
    store: Sessions,
    cookie_secure: bool,
) -> (Router, crate::eas::door::Door) {
    // Other instances' announced changes (PostgreSQL only).
    app::backend::changes::listen(state.clone());
    let sessions = SessionManagerLayer::new(store)
        .with_name(crate::http::SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(cookie_secure)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(Duration::hours(12)));
    let site_root = leptos.site_root.to_string();
    let server_state = ServerState { app: state, leptos };
    let pages = get(page_handler).with_state(server_state.clone());
    let routes = route_list();

    let app = server_state.app.clone();
    let api = Router::new()
        .route(
            "/api/{*fn_name}",
            get(server_fn_handler).post(server_fn_handler),
        )
        .layer(middleware::from_fn(security::api_statuses))
        // Server functions take forms of a few KB: a bigger body is refused (413), from its
        // Content-Length before it is read when it says so.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            SERVER_FN_BODY,
        ))
        .layer(middleware::from_fn_with_state(
            app.clone(),
            security::refuse_cross_site,
        ));

    // Pictures, import and export: plain HTTP forms and downloads, refused cross-site like
    // the server functions.
    let pictures = crate::pictures::routes()
        .merge(crate::interchange::routes())
        .layer(middleware::from_fn_with_state(
            app.clone(),
            security::refuse_cross_site,
        ));

    let door = crate::eas::door(app.clone(), std::sync::Arc::default());
    let router = Router::new()
        .route("/healthz", get(healthz))
        .merge(api)
        .merge(pictures)
        .leptos_routes_with_handler(routes, get(page_handler))
        // Static files first; anything else is rendered by the app (its 404 page).
        .fallback_service(ServeDir::new(site_root).not_found_service(pages))
        .layer(middleware::from_fn_with_state(
            server_state.clone(),
            crate::console::release_signed_in,
        ))
        .layer(sessions)
        .layer(middleware::from_fn(security::headers))
        .layer(middleware::from_fn_with_state(
            app.trusted_proxies.clone(),
            security::client_address,
        ))
        .with_state(server_state.clone())
        // The ActiveSync door has no cookies: every request carries its credentials. It
        // finds the client's address itself, only when it needs it (`eas::auth::client_ip`).
        .merge(crate::eas::routes(door.clone()));
    (router, door)
}

async fn healthz(State(state): State<ServerState>) -> Response {
    match sqlx::query("SELECT 1").execute(&state.app.pool).await {
        Ok(_) => "ok".into_response(),
        Err(e) => {
            tracing::error!("health check failed: {e}");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable",
            )
                .into_response()
        }
    }
}

async fn server_fn_handler(State(state): State<ServerState>, request: Request<Body>) -> Response {
    // An unknown function is a 404 (405 for a known one called with another method), not
    // leptos's 400 with advice for developers.
    let (path, method) = (request.uri().path(), request.method());
    let methods: Vec<_> = leptos::server_fn::axum::server_fn_paths()
        .filter(|(p, _)| *p == path)
        .map(|(_, m)| m)
        .collect();
    if !methods.contains(method) {
        let status = if methods.is_empty() {
            axum::http::StatusCode::NOT_FOUND
        } else {
            axum::http::StatusCode::METHOD_NOT_ALLOWED
        };
        return (status, "No such server function.\n").into_response();
    }
    let app = state.app.clone();
    handle_server_fns_with_context(move || provide_context(app.clone()), request)
        .await
        .into_response()
}

fn browser_lang(request: &Request<Body>) -> Lang {
    request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(from_accept_language)
        .unwrap_or_default()
}

/// Renders a page with the session info known up front (see `app::ui::session`).
async fn page_handler(
    State(state): State<ServerState>,
    session: Session,
    request: Request<Body>,
) -> Response {
    let browser = browser_lang(&request);
    let info = sessions::info(&state.app, &session, browser)
        .await
        .unwrap_or(SessionInfo {
            lang: browser,
            ..SessionInfo::default()
        });
    let app = state.app.clone();
    let leptos = state.leptos.clone();
    // One nonce per page: the hydration scripts carry it, the CSP allows only it.
    let nonce = security::new_nonce();
    let page_nonce = nonce.clone();
    let render = leptos_axum::render_app_async_with_context(
        move || {
            provide_context(app.clone());
            provide_context(info.clone());
            provide_context(leptos::nonce::Nonce::from_value(page_nonce.clone()));
        },
        move || shell(leptos.clone()),
    );
    let mut response = render(request).await.into_response();
    if let Ok(policy) = axum::http::HeaderValue::from_str(&security::page_policy(&nonce)) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

/// The app's routes, listed once per process. Listing them runs the app with resource loading
/// suspended by a process-wide flag, and a page rendered meanwhile by another server in the
/// same process would wait forever for its data (leptos#4773; seen as a rare 60 s hang in the
/// tests, which start several servers at once). Every server waits for this before it serves.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}
