//! `/Microsoft-Server-ActiveSync`: OPTIONS and POST (MS-ASHTTP), authenticated once on every
//! request, devices recorded through the backend, commands dispatched by one match. Bad
//! requests get a clear status and text, never a 500 and never a secret.

use super::auth::{authenticate, client_ip};
use super::commands::{self, Place, Reply};
use super::exchange::{Exchange, Unsupported};
use super::request;
use super::wbxml;
use crate::http::Share;
use app::backend::activesync::door::{self, Sighting};
use app::backend::activesync::gate::{Gate, Outcome};
use app::backend::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

pub const PATH: &str = "/Microsoft-Server-ActiveSync";
/// The protocol versions this door really speaks.
pub const VERSIONS: &[&str] = &["14.0", "14.1", "16.0", "16.1"];

/// The same lists as OPTIONS headers (static: no allocation per request; a test checks they agree).
pub const VERSIONS_HEADER: &str = "14.0,14.1,16.0,16.1";
pub const COMMANDS_HEADER: &str = "Sync,SendMail,SmartForward,SmartReply,FolderSync,MoveItems,\
GetItemEstimate,Search,Settings,Ping,ItemOperations,Provision,ResolveRecipients,ValidateCert,\
MeetingResponse";
/// Largest request body read (a phone's commands are small; attachments come later).
pub const MAX_BODY: usize = 1 << 20;

/// How many signed-in requests the door works on at once (signing in is not counted: the
/// hasher has its own queue); more wait their turn. A burst of phones (all of an instance's,
/// reconnecting after a restart) then costs this many requests' working memory at a time, not
/// one each for all of them at once. A waiting Ping or long-poll Sync gives its place back.
pub const PLACES: usize = 64;

#[derive(Clone)]
pub struct Door {
    pub app: AppState,
    pub gate: Arc<Gate>,
    /// Each device's waiting Ping.
    pub waiting: Arc<commands::ping::Waiting>,
    /// The places of the requests being worked on (`PLACES`).
    pub places: Arc<tokio::sync::Semaphore>,
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
fn refused(outcome: Outcome) -> Response {
    match outcome {
        // Not a refusal; never called with it.
        Outcome::Allowed(_) => text(StatusCode::FORBIDDEN, "refused"),
        Outcome::Unauthorized => (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Basic realm=\"ActiveSync\"")],
            "Sign in with your CRM username and the password your account uses for ActiveSync.\n",
        )
            .into_response(),
        Outcome::Forbidden => text(
            StatusCode::FORBIDDEN,
            "ActiveSync is not available for this account now.",
        ),
        Outcome::Throttled(wait) => {
            let mut r = text(
                StatusCode::SERVICE_UNAVAILABLE,
                "Too many failed sign-ins for this account; try again later.",
            );
            if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
    }
}

pub async fn handle(
    State(door): State<Door>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    share: Option<axum::Extension<Share>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match method {
        Method::POST => {
            let share = share.map(|axum::Extension(s)| s);
            answer(&door, peer.ip(), share.as_ref(), method, uri, headers, body).await
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
    options(
        &door,
        peer,
        request.extensions().get::<Share>(),
        request.headers(),
    )
    .await
}

async fn options(
    door: &Door,
    peer: std::net::IpAddr,
    share: Option<&Share>,
    headers: &HeaderMap,
) -> Response {
    let address = client_ip(&door.app, peer, headers);
    // Boxed, as in `post`: a phone's connection task is not sized for the sign-in's state.
    let outcome = Box::pin(authenticate(&door.gate, &door.app, headers, None, address)).await;
    if !matches!(outcome, Outcome::Allowed(_)) {
        return refused(outcome);
    }
    if let Some(share) = share {
        share.release();
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

/// A request to the door (POST or OPTIONS): from the routes, or read by the connection layer
/// (`phone_connections`), which calls it without the router's layers and boxes around a
/// Ping's wait.
pub async fn answer(
    door: &Door,
    peer: std::net::IpAddr,
    share: Option<&Share>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if method == Method::OPTIONS {
        return options(door, peer, share, &headers).await;
    }
    let address = client_ip(&door.app, peer, &headers);
    post(door, address, share, uri, headers, body).await
}

/// A command: read once, authenticated once (also a malformed request: an anonymous caller
/// learns only 401), the device recorded, then answered by the command's codec.
async fn post(
    door: &Door,
    peer: std::net::IpAddr,
    share: Option<&Share>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed = request::parse(uri.query());
    let device_id = parsed.as_ref().ok().map(|r| r.device_id.as_str());
    // Boxed, as the commands are (`commands::dispatch`): a Ping waiting for an hour holds
    // none of the room these steps took.
    let outcome = Box::pin(authenticate(
        &door.gate, &door.app, &headers, device_id, peer,
    ))
    .await;
    let user = match outcome {
        Outcome::Allowed(user) => user,
        refusal => return refused(refusal),
    };
    // Someone the door knows: this connection (a Ping may hold it for an hour) no longer
    // counts against its address's share of unauthenticated ones.
    if let Some(share) = share {
        share.release();
    }
    // Work starts here; signing in is not counted (the hasher has its own queue, and a flood
    // of slow checks must not keep cached ones waiting).
    let place = Place::take(&door.places).await;
    let exchange = match parsed {
        Ok(r) => Exchange::new(r, &headers),
        Err(e) => return text(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let sighting = Sighting {
        user_id: user.id,
        device_id: &exchange.device_id,
        device_type: &exchange.device_type,
        user_agent: &exchange.user_agent,
        protocol_version: &exchange.version,
        address: &peer.to_string(),
        at: door.app.now(),
    };
    let device = match Box::pin(door::seen(&door.app, sighting)).await {
        Ok(d) => d,
        Err(e) => return internal(e),
    };
    if device.blocked {
        return text(
            StatusCode::FORBIDDEN,
            "This device has been blocked by an administrator.",
        );
    }
    if !VERSIONS.contains(&exchange.version.as_str()) {
        return text(
            StatusCode::BAD_REQUEST,
            &format!(
                "Protocol version {} is not supported; use one of {}.",
                exchange.version,
                VERSIONS.join(", ")
            ),
        );
    }
    let command = match &exchange.command {
        Ok(c) => *c,
        Err(Unsupported::NotYet(name)) => {
            return text(
                StatusCode::NOT_IMPLEMENTED,
                &format!("The command {name} is not available yet."),
            )
        }
        Err(Unsupported::Unknown) => return text(StatusCode::BAD_REQUEST, "Unknown command."),
    };
    let document = match wbxml::decode(&body) {
        Ok(d) => Some(d),
        Err(_) if body.is_empty() && command.body_optional() => None,
        Err(e) => {
            return text(
                StatusCode::BAD_REQUEST,
                &format!("The request body is not valid WBXML: {e}."),
            )
        }
    };
    // The body, the header values and the URI may share hyper's read buffer (8 KB or more), which a
    // Ping would otherwise keep for an hour; what the command needs is in `exchange`.
    drop((body, headers, uri));
    let cx = commands::Context {
        state: &door.app,
        user: &user,
        device: &device,
        exchange: &exchange,
        waiting: &door.waiting,
        place: &place,
    };
    let answer = match commands::dispatch(&cx, command, document.as_ref()).await {
        Ok(Reply::Now(doc)) => Ok(doc),
        Ok(Reply::Wait(pending)) => {
            // Nothing of the request is kept while a Ping waits (up to an hour).
            drop((document, exchange, device, user));
            Box::pin(pending.answer(place)).await.map(Some)
        }
        Err(e) => Err(e),
    };
    match answer {
        Ok(Some(doc)) => wbxml_response(&doc),
        Ok(None) => StatusCode::OK.into_response(),
        Err(e) => internal(e),
    }
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
    use crate::eas::exchange::Command;

    #[test]
    fn the_options_headers_list_what_is_implemented() {
        assert_eq!(VERSIONS_HEADER, VERSIONS.join(","));
        let commands: Vec<&str> = Command::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(COMMANDS_HEADER, commands.join(","));
    }
}
