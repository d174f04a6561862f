//! Autodiscover for phones (MS-ASCMD 2.2.2.1): `POST /autodiscover/autodiscover.xml` with the
//! mobilesync request schema and HTTP Basic; the answer is the door's URL from the public base
//! URL. Bad requests get the protocol's error 600, other schemas 601.

use super::auth::{authenticate, client_ip};
use super::door::{Door, PATH};
use app::backend::activesync::gate::Outcome;
use app::domain::device_setup::DeviceEndpoint;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

pub const REQUEST_SCHEMA: &str =
    "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006";
pub const RESPONSE_SCHEMA: &str =
    "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006";
const OUTER_SCHEMA: &str = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";

/// The text of the first element with this local name (any namespace prefix), unescaped.
pub fn element_text(xml: &str, local: &str) -> Option<String> {
    let mut rest = xml;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let end = rest.find('>')?;
        let tag = &rest[..end];
        let name = tag
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        let name = name.rsplit(':').next().unwrap_or(name);
        if name == local && !tag.ends_with('/') {
            let body = &rest[end + 1..];
            let text = &body[..body.find('<')?];
            return Some(unescape(text.trim()));
        }
        rest = &rest[end + 1..];
    }
    None
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `https://crm.example.it/Microsoft-Server-ActiveSync` (the port only when not the default).
pub fn door_url(e: &DeviceEndpoint) -> String {
    let (scheme, default) = if e.ssl { ("https", 443) } else { ("http", 80) };
    if e.port == default {
        format!("{scheme}://{}{PATH}", e.host)
    } else {
        format!("{scheme}://{}:{}{PATH}", e.host, e.port)
    }
}

fn xml(body: String) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/xml; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n{body}"),
    )
        .into_response()
}

pub fn error(code: u16, message: &str) -> Response {
    xml(format!(
        "<Autodiscover xmlns=\"{OUTER_SCHEMA}\"><Response><Error><ErrorCode>{code}</ErrorCode>\
         <Message>{message}</Message><DebugData/></Error></Response></Autodiscover>"
    ))
}

pub async fn handle(
    State(door): State<Door>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let address = client_ip(&door.app, peer.ip(), &headers);
    let user = match authenticate(&door.gate, &door.app, &headers, None, address).await {
        Outcome::Allowed(user) => user,
        Outcome::Unauthorized => {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Basic realm=\"ActiveSync\"")],
            )
                .into_response()
        }
        Outcome::Forbidden => return StatusCode::FORBIDDEN.into_response(),
        Outcome::Throttled(wait) => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, wait.to_string())],
            )
                .into_response()
        }
    };
    let Ok(text) = std::str::from_utf8(&body) else {
        return error(600, "Invalid Request");
    };
    let (Some(email), Some(schema)) = (
        element_text(text, "EMailAddress"),
        element_text(text, "AcceptableResponseSchema"),
    ) else {
        return error(600, "Invalid Request");
    };
    if email.is_empty() {
        return error(600, "Invalid Request");
    }
    if schema != RESPONSE_SCHEMA {
        return error(601, "Requested schema version not supported");
    }
    let url = escape(&door_url(&door.app.device_endpoint));
    let name = escape(&app::domain::model::display_name(
        &user.username,
        &user.first_name,
        &user.last_name,
    ));
    xml(format!(
        "<Autodiscover xmlns=\"{OUTER_SCHEMA}\"><Response xmlns=\"{RESPONSE_SCHEMA}\">\
         <Culture>en:us</Culture><User><DisplayName>{name}</DisplayName>\
         <EMailAddress>{}</EMailAddress></User><Action><Settings><Server><Type>MobileSync</Type>\
         <Url>{url}</Url><Name>{url}</Name></Server></Settings></Action></Response></Autodiscover>",
        escape(&email)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_are_found_by_local_name() {
        let x = "<a:Autodiscover xmlns:a=\"x\"><a:Request><a:EMailAddress> anna@x.it </a:EMailAddress>\
                 <Other/><AcceptableResponseSchema>s&amp;t</AcceptableResponseSchema></a:Request></a:Autodiscover>";
        assert_eq!(
            element_text(x, "EMailAddress").as_deref(),
            Some("anna@x.it")
        );
        assert_eq!(
            element_text(x, "AcceptableResponseSchema").as_deref(),
            Some("s&t")
        );
        assert_eq!(element_text(x, "Other"), None, "empty element");
        assert_eq!(element_text("<broken", "EMailAddress"), None);
    }

    #[test]
    fn the_door_url_comes_from_the_public_url() {
        let e = |host: &str, port, ssl| DeviceEndpoint {
            host: host.into(),
            port,
            ssl,
        };
        assert_eq!(
            door_url(&e("crm.example.it", 443, true)),
            "https://crm.example.it/Microsoft-Server-ActiveSync"
        );
        assert_eq!(
            door_url(&e("127.0.0.1", 3000, false)),
            "http://127.0.0.1:3000/Microsoft-Server-ActiveSync"
        );
    }
}
