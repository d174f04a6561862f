//! Who is asking at the door, as HTTP says it: `Authorization: Basic` on every request and
//! the client's address. The check itself (policy, throttle, caches) is the backend's gate.

use app::backend::activesync::gate::{Gate, Knock, Outcome};
use app::backend::state::AppState;
use zeroize::Zeroizing;

/// `Authorization: Basic …` → (name, password). `None` if absent or malformed.
pub fn basic_credentials(header: Option<&str>) -> Option<(String, Zeroizing<String>)> {
    let value = header?.trim();
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = Zeroizing::new(super::base64::decode(encoded.trim())?);
    let text = std::str::from_utf8(&decoded).ok()?;
    let (name, password) = text.split_once(':')?;
    Some((name.to_string(), Zeroizing::new(password.to_string())))
}

/// The client's address at the door: the socket peer, or `X-Forwarded-For` from a trusted
/// proxy. Computed here rather than by a router-wide middleware: the cached fast path of a
/// polling phone never needs it.
pub fn client_ip(
    state: &AppState,
    peer: std::net::IpAddr,
    headers: &axum::http::HeaderMap,
) -> std::net::IpAddr {
    if state.trusted_proxies.is_empty() {
        return peer;
    }
    let forwarded = crate::http::forwarded_for(headers);
    app::domain::proxies::client_address(peer, forwarded.as_deref(), &state.trusted_proxies)
}

/// Checks a request's credentials at the gate: the one authentication of every request.
pub async fn authenticate(
    gate: &Gate,
    state: &AppState,
    headers: &axum::http::HeaderMap,
    device: Option<&str>,
    address: std::net::IpAddr,
) -> Outcome {
    let authorization = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let credentials = basic_credentials(authorization);
    let knock = Knock {
        credentials: credentials.as_ref().map(|(n, p)| (n.as_str(), p)),
        device,
        address,
    };
    gate.check(state, knock).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_read_and_bad_headers_refused() {
        // "CORP\anna:pa:ss" — a password may hold a colon.
        let (name, password) = basic_credentials(Some("Basic Q09SUFxhbm5hOnBhOnNz")).unwrap();
        assert_eq!((name.as_str(), password.as_str()), ("CORP\\anna", "pa:ss"));
        assert!(basic_credentials(None).is_none());
        assert!(basic_credentials(Some("Bearer abc")).is_none());
        assert!(basic_credentials(Some("Basic !!!")).is_none());
        assert!(
            basic_credentials(Some("Basic YW5uYQ==")).is_none(),
            "no colon"
        );
    }
}
