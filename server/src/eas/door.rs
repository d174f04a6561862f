//! `/Microsoft-Server-ActiveSync`: OPTIONS and POST (MS-ASHTTP), authenticated on every
//! request, devices recorded, commands dispatched. Bad requests get a clear status and text,
//! never a 500 and never a secret.

use super::auth::{client_ip, Gate, Knock, Outcome};
use super::commands;
use super::request::{self, EasRequest};
use super::wbxml;
use app::backend::state::AppState;
use app::backend::store::devices::{self, Sighting};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

pub const PATH: &str = "/Microsoft-Server-ActiveSync";
/// The protocol versions this door really speaks.
pub const VERSIONS: &[&str] = &["14.1", "16.1"];
/// The commands it answers (others get 501).
pub const COMMANDS: &[&str] = &["FolderSync", "Provision", "Settings"];
/// The same lists as OPTIONS headers (static: no allocation per request; a test checks they agree).
pub const VERSIONS_HEADER: &str = "14.1,16.1";
pub const COMMANDS_HEADER: &str = "FolderSync,Provision,Settings";
/// Largest request body read (a phone's commands are small; attachments come later).
pub const MAX_BODY: usize = 1 << 20;

#[derive(Clone)]
pub struct Door {
    pub app: AppState,
    pub gate: Arc<Gate>,
}

fn text(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{message}\n"),
    )
        .into_response()
}

/// The answer when the request may not go on.
fn refused(outcome: &Outcome) -> Option<Response> {
    match outcome {
        Outcome::Allowed(_) => None,
        Outcome::Unauthorized => Some(
            (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Basic realm=\"ActiveSync\"")],
                "Sign in with your CRM username and the password your account uses for ActiveSync.\n",
            )
                .into_response(),
        ),
        Outcome::Forbidden => Some(text(
            StatusCode::FORBIDDEN,
            "ActiveSync is not available for this account now.",
        )),
        Outcome::Throttled(wait) => {
            let mut r = text(StatusCode::SERVICE_UNAVAILABLE, "Too many failed sign-ins for this account; try again later.");
            if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Some(r)
        }
    }
}

fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
}

pub async fn handle(
    State(door): State<Door>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match method {
        Method::POST => {
            let address = client_ip(&door.app, peer.ip(), &headers);
            post(&door, address, &uri, &headers, body).await
        }
        _ => (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "OPTIONS,POST")],
            Body::empty(),
        )
            .into_response(),
    }
}

/// OPTIONS is what a phone sends most: the request is taken whole (no copy of its headers)
/// and nothing but the credentials is looked at.
pub async fn handle_options(State(door): State<Door>, request: axum::extract::Request) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map_or(std::net::Ipv4Addr::UNSPECIFIED.into(), |c| c.0.ip());
    let knock = Knock {
        authorization: authorization(request.headers()),
        device: None,
        address: client_ip(&door.app, peer, request.headers()),
    };
    let outcome = door.gate.check(&door.app, knock).await;
    if let Some(r) = refused(&outcome) {
        return r;
    }
    (
        StatusCode::OK,
        [
            (header::ALLOW, "OPTIONS,POST"),
            (header::HeaderName::from_static("public"), "OPTIONS,POST"),
            (
                header::HeaderName::from_static("ms-server-activesync"),
                "16.1",
            ),
            (
                header::HeaderName::from_static("ms-asprotocolversions"),
                VERSIONS_HEADER,
            ),
            (
                header::HeaderName::from_static("ms-asprotocolcommands"),
                COMMANDS_HEADER,
            ),
            (header::CACHE_CONTROL, "private"),
        ],
    )
        .into_response()
}

async fn post(
    door: &Door,
    peer: std::net::IpAddr,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    let parsed = request::parse(uri.query());
    // Authenticate first, also a malformed request: an anonymous caller learns only 401.
    let knock = Knock {
        authorization: authorization(headers),
        device: parsed.as_ref().ok().map(|r| r.device_id.as_str()),
        address: peer,
    };
    let outcome = door.gate.check(&door.app, knock).await;
    if let Some(r) = refused(&outcome) {
        return r;
    }
    let req = match parsed {
        Ok(r) => r,
        Err(e) => return text(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let Outcome::Allowed(user) = outcome else {
        return text(StatusCode::FORBIDDEN, "refused");
    };
    let version = req
        .protocol_version
        .clone()
        .or_else(|| header_text(headers, "ms-asprotocolversion"))
        .unwrap_or_else(|| "14.1".to_string());
    let user_agent = header_text(headers, "user-agent").unwrap_or_default();
    let device = match devices::seen(
        &door.app.pool,
        Sighting {
            user_id: user.id,
            device_id: &req.device_id,
            device_type: &req.device_type,
            user_agent: &user_agent.chars().take(200).collect::<String>(),
            protocol_version: &version,
            address: &peer.to_string(),
            at: door.app.now(),
        },
    )
    .await
    {
        Ok(d) => d,
        Err(e) => return internal(e),
    };
    if device.first_seen == device.last_seen {
        // A new device: the list stays bounded per user.
        if let Err(e) = devices::prune(&door.app.pool, user.id).await {
            tracing::warn!("pruning devices: {e}");
        }
    }
    if device.blocked {
        return text(
            StatusCode::FORBIDDEN,
            "This device has been blocked by an administrator.",
        );
    }
    if !VERSIONS.contains(&version.as_str()) {
        return text(
            StatusCode::BAD_REQUEST,
            &format!(
                "Protocol version {version} is not supported; use one of {}.",
                VERSIONS.join(", ")
            ),
        );
    }
    if !COMMANDS.contains(&req.command.as_str()) {
        let known = request::COMMANDS.iter().any(|(_, c)| *c == req.command);
        return if known {
            text(
                StatusCode::NOT_IMPLEMENTED,
                &format!("The command {} is not available yet.", req.command),
            )
        } else {
            text(StatusCode::BAD_REQUEST, "Unknown command.")
        };
    }
    let document = match wbxml::decode(&body) {
        Ok(d) => d,
        Err(e) => {
            return text(
                StatusCode::BAD_REQUEST,
                &format!("The request body is not valid WBXML: {e}."),
            )
        }
    };
    let answer = dispatch(door, &req, headers, &user, &device, &document).await;
    match answer {
        Ok(doc) => wbxml_response(&doc),
        Err(e) => internal(e),
    }
}

async fn dispatch(
    door: &Door,
    req: &EasRequest,
    headers: &HeaderMap,
    user: &app::backend::store::users::UserRecord,
    device: &devices::DeviceRow,
    document: &wbxml::Element,
) -> Result<wbxml::Element, sqlx::Error> {
    let state = &door.app;
    if req.command == "Provision" {
        return commands::provision(state, device, document).await;
    }
    let presented = req
        .policy_key
        .clone()
        .or_else(|| header_text(headers, "x-ms-policykey"));
    if req.command == "FolderSync" && !commands::is_provisioned(device, presented.as_deref()) {
        return Ok(commands::needs_provision(&req.command));
    }
    match req.command.as_str() {
        "FolderSync" => commands::folder_sync(state, user, device, document).await,
        _ => commands::settings(state, user, device, document).await,
    }
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn wbxml_response(doc: &wbxml::Element) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/vnd.ms-sync.wbxml"),
            // A phone's data: never kept by a proxy.
            (header::CACHE_CONTROL, "no-store"),
        ],
        wbxml::encode(doc),
    )
        .into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!("door: {e}");
    text(
        StatusCode::INTERNAL_SERVER_ERROR,
        "The server could not answer; try again later.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_options_headers_list_what_is_implemented() {
        assert_eq!(VERSIONS_HEADER, VERSIONS.join(","));
        assert_eq!(COMMANDS_HEADER, COMMANDS.join(","));
    }
}
