//! The yardstick for `server/bench/door-options.sh`: a bare axum handler answering OPTIONS
//! with the same headers as the door, without authentication, on 127.0.0.1:$BARE_PORT.

use axum::http::{header, HeaderName, StatusCode};
use axum::response::IntoResponse;
use axum::routing::options;
use axum::Router;

async fn bare() -> impl IntoResponse {
    (
        StatusCode::OK,
        [
            (header::ALLOW, "OPTIONS,POST"),
            (HeaderName::from_static("public"), "OPTIONS,POST"),
            (HeaderName::from_static("ms-server-activesync"), "16.1"),
            (
                HeaderName::from_static("ms-asprotocolversions"),
                "14.1,16.1",
            ),
            (
                HeaderName::from_static("ms-asprotocolcommands"),
                "FolderSync,Provision,Settings",
            ),
            (header::CACHE_CONTROL, "private"),
        ],
    )
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::var("BARE_PORT").unwrap_or_else(|_| "3301".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    let app = Router::new().route("/Microsoft-Server-ActiveSync", options(bare));
    axum::serve(listener, app).await
}
