//! The door as a guesser meets it: anna with ActiveSync on, FolderSync and OPTIONS knocks,
//! and the count of argon2 runs (work is counted, never timed).

use super::TestServer;
use app::backend::store::users;
use reqwest::StatusCode;

pub const LOGIN: &str = "anna-password-1";

pub const DOOR: &str = "/Microsoft-Server-ActiveSync";

pub async fn anna(server: &TestServer) -> app::domain::ids::UserId {
    let id = server.add_user("anna", LOGIN, false).await;
    users::set_activesync_enabled(&server.state.pool, id, true, 0)
        .await
        .unwrap();
    id
}

/// A FolderSync from `device`, as a phone sends it; `forwarded` sets X-Forwarded-For.
pub async fn knock(
    server: &TestServer,
    device: &str,
    user: &str,
    password: &str,
    forwarded: Option<&str>,
) -> reqwest::Response {
    let mut r = reqwest::Client::new()
        .post(format!(
            "{}{DOOR}?Cmd=FolderSync&User=x&DeviceId={device}&DeviceType=Phone",
            server.base
        ))
        .basic_auth(user, Some(password))
        .header("MS-ASProtocolVersion", "16.1")
        .header("Content-Type", "application/vnd.ms-sync.wbxml")
        // <FolderSync><SyncKey>0</SyncKey></FolderSync>
        .body(vec![
            0x03, 0x01, 0x6A, 0x00, 0x00, 0x07, 0x56, 0x52, 0x03, b'0', 0x00, 0x01, 0x01,
        ]);
    if let Some(f) = forwarded {
        r = r.header("X-Forwarded-For", f);
    }
    r.send().await.unwrap()
}

pub fn hashes(server: &TestServer) -> u64 {
    server.state.hasher.verifications()
}

pub fn base64_encode(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// OPTIONS carries no DeviceId: what a phone's OPTIONS left in the cache must not become a
/// free oracle once the account is locked.
pub async fn options(server: &TestServer, user: &str, password: &str) -> StatusCode {
    reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, format!("{}{DOOR}", server.base))
        .basic_auth(user, Some(password))
        .send()
        .await
        .unwrap()
        .status()
}
