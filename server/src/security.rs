//! What every response of the console gets, and what every request is checked for, before
//! any page or server function runs: the client's address (trusted proxies only), refusal of
//! cross-site state changes, security headers, and HTTP statuses that say what went wrong.

use crate::http::forwarded_for;
use app::api::error::AppError;
use app::api::error::RequestId;
use app::backend::state::{AppState, ClientAddress};
use app::domain::proxies;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

/// Puts the client's address into the request (socket peer, or `X-Forwarded-For` when the
/// peer is a trusted proxy), and the request's id (an internal error is logged under it).
pub async fn client_address(
    State(trusted): State<std::sync::Arc<Vec<proxies::Cidr>>>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>() {
        let forwarded = forwarded_for(request.headers());
        let ip = proxies::client_address(peer.ip(), forwarded.as_deref(), &trusted);
        request.extensions_mut().insert(ClientAddress(ip));
    }
    request.extensions_mut().insert(RequestId::new());
    next.run(request).await
}

/// Whether a state-changing request may come from where the browser says it comes from.
/// Browsers always send `Origin` (or at least `Sec-Fetch-Site`) on a POST; a request with
/// neither is not from a browser, so it cannot ride on a victim's cookies.
#[must_use]
pub fn same_origin(headers: &HeaderMap, public_origin: &str) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(origin) = text("origin") {
        if origin == public_origin {
            return true;
        }
        // The address the browser used to reach us (e.g. `localhost` for 127.0.0.1).
        let host = text("host").unwrap_or("");
        return !host.is_empty()
            && origin.split_once("://").is_some_and(|(scheme, authority)| {
                matches!(scheme, "http" | "https") && authority == host
            });
    }
    match text("sec-fetch-site") {
        Some(site) => matches!(site, "same-origin" | "none"),
        None => true,
    }
}

/// `/api/*`: cross-site state changes are refused with 403 (login CSRF included).
pub async fn refuse_cross_site(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && !same_origin(request.headers(), &state.public_origin) {
        tracing::info!(
            origin = %app::backend::log_text(
                request.headers().get("origin").and_then(|v| v.to_str().ok()).unwrap_or("-")
            ),
            "cross-site request refused"
        );
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Cross-site requests are not accepted.\n",
        )
            .into_response();
    }
    next.run(request).await
}

/// The HTTP status for a server function's error: 4xx for what the client did, 500 only for
/// a fault of ours (SPEC: monitoring must not fill with false alarms).
#[must_use]
pub fn status_of(error: &AppError) -> StatusCode {
    match error {
        AppError::Transport(_) => StatusCode::BAD_REQUEST,
        AppError::Unauthenticated | AppError::LoginFailed => StatusCode::UNAUTHORIZED,
        AppError::Forbidden
        | AppError::ReauthRequired
        | AppError::EnrolmentRequired
        | AppError::PasswordChangeRequired => StatusCode::FORBIDDEN,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::RateLimited { .. } | AppError::TooSoon { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::MailFailed => StatusCode::BAD_GATEWAY,
        AppError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Server functions answer every error with 500 and the error as JSON; this puts the right
/// status (and `Retry-After`) on it. Bodies are small: reading one costs nothing to speak of.
pub async fn api_statuses(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, 64 * 1024).await {
        Ok(b) => b,
        Err(_) => return (parts.status, Body::empty()).into_response(),
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = status_of(&error);
        if let AppError::RateLimited { retry_after_secs } | AppError::TooSoon { retry_after_secs } =
            error
        {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// 128 random bits in hex (hex digits are valid in a CSP nonce).
pub fn new_nonce() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `script-src` with the page's nonce (the hydration scripts carry it), WebAssembly allowed to
/// compile, nothing framed, nothing else from elsewhere.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Headers on every console response; pages and server functions (which carry personal
/// data, and once a secret) are never stored by a browser or proxy.
pub async fn headers(request: Request, next: Next) -> Response {
    let is_static = request.uri().path().starts_with("/pkg/");
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
    }
    if !is_static {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::api::error::Msg;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    const PUBLIC: &str = "https://crm.example.it";

    #[test]
    fn cross_site_posts_are_told_apart() {
        assert!(same_origin(&headers(&[("origin", PUBLIC)]), PUBLIC));
        assert!(!same_origin(
            &headers(&[("origin", "https://evil.example")]),
            PUBLIC
        ));
        assert!(!same_origin(
            &headers(&[("origin", "null"), ("host", "crm.example.it")]),
            PUBLIC
        ));
        // Reached under another name of this very server.
        assert!(same_origin(
            &headers(&[
                ("origin", "http://localhost:3000"),
                ("host", "localhost:3000")
            ]),
            PUBLIC
        ));
        assert!(!same_origin(
            &headers(&[
                ("origin", "http://evil.example"),
                ("host", "localhost:3000")
            ]),
            PUBLIC
        ));
        assert!(!same_origin(
            &headers(&[("sec-fetch-site", "cross-site")]),
            PUBLIC
        ));
        assert!(!same_origin(
            &headers(&[("sec-fetch-site", "same-site")]),
            PUBLIC
        ));
        assert!(same_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            PUBLIC
        ));
        assert!(same_origin(&headers(&[]), PUBLIC), "not a browser");
    }

    #[test]
    fn every_forwarded_line_is_read_in_order() {
        let mut h = HeaderMap::new();
        h.append("x-forwarded-for", HeaderValue::from_static("6.6.6.6"));
        h.append("x-forwarded-for", HeaderValue::from_static("198.51.100.7"));
        assert_eq!(forwarded_for(&h).as_deref(), Some("6.6.6.6,198.51.100.7"));
        assert_eq!(forwarded_for(&HeaderMap::new()), None);
    }

    #[test]
    fn client_errors_are_4xx_and_only_faults_500() {
        let cases = [
            (AppError::Transport("x".into()), 400),
            (AppError::Unauthenticated, 401),
            (AppError::LoginFailed, 401),
            (AppError::Forbidden, 403),
            (AppError::ReauthRequired, 403),
            (AppError::EnrolmentRequired, 403),
            (AppError::PasswordChangeRequired, 403),
            (AppError::NotFound, 404),
            (AppError::invalid("email", Msg::EmailFormat), 422),
            (
                AppError::RateLimited {
                    retry_after_secs: 3,
                },
                429,
            ),
            (
                AppError::TooSoon {
                    retry_after_secs: 3,
                },
                429,
            ),
            (AppError::MailFailed, 502),
            (
                AppError::Internal {
                    reference: "x".into(),
                },
                500,
            ),
        ];
        for (error, status) in cases {
            assert_eq!(status_of(&error).as_u16(), status, "{error:?}");
        }
    }

    #[test]
    fn the_page_policy_allows_scripts_only_from_here_and_by_nonce() {
        let p = page_policy("abc");
        assert!(p.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"));
        assert!(p.contains("frame-ancestors 'none'"));
        assert!(!p.contains("unsafe-inline"));
    }
}
