//! HTTP details the console and the door read alike.

use axum::http::HeaderMap;

/// Every `X-Forwarded-For` line, in order, as one list: a proxy that adds its own line after
/// the client's must not leave the client's forged one to be read alone.
pub fn forwarded_for(headers: &HeaderMap) -> Option<String> {
    let lines: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!lines.is_empty()).then(|| lines.join(","))
}
