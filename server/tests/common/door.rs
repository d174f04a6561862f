//! The door as a phone reaches it: anna's account in each ActiveSync state, OPTIONS and POST
//! with Basic credentials, WBXML answers.

use super::TestServer;
use app::backend::store::users;
use reqwest::{Method, StatusCode};
use server::eas::wbxml::{self, Element};

pub const LOGIN: &str = "anna-password-1";
pub const SYNC: &str = "phone-secret-42";
pub const DOOR: &str = "/Microsoft-Server-ActiveSync";

/// anna with the given ActiveSync switch, 2FA and sync password.
pub async fn anna(
    server: &TestServer,
    enabled: bool,
    two_factor: bool,
    sync: bool,
) -> app::domain::ids::UserId {
    let id = if two_factor {
        server.add_user_with_2fa("anna", LOGIN).await
    } else {
        server.add_user("anna", LOGIN, false).await
    };
    let pool = &server.state.pool;
    users::set_activesync_enabled(pool, id, enabled, 0)
        .await
        .unwrap();
    if sync {
        let sealed = server.state.secrets.seal(id, SYNC);
        users::set_sync_password(pool, id, Some(&sealed), 0)
            .await
            .unwrap();
    }
    id
}

pub async fn options(server: &TestServer, user: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .request(Method::OPTIONS, format!("{}{DOOR}", server.base))
        .basic_auth(user, Some(password))
        .send()
        .await
        .unwrap()
}

pub async fn status(server: &TestServer, user: &str, password: &str) -> StatusCode {
    options(server, user, password).await.status()
}

pub async fn post(
    server: &TestServer,
    query: &str,
    auth: (&str, &str),
    policy_key: Option<&str>,
    body: Vec<u8>,
) -> reqwest::Response {
    let mut r = reqwest::Client::new()
        .post(format!("{}{DOOR}?{query}", server.base))
        .basic_auth(auth.0, Some(auth.1))
        .header("MS-ASProtocolVersion", "16.1")
        .header("Content-Type", "application/vnd.ms-sync.wbxml")
        .header("User-Agent", "TestPhone/1.0");
    if let Some(k) = policy_key {
        r = r.header("X-MS-PolicyKey", k);
    }
    r.body(body).send().await.unwrap()
}

pub async fn wbxml_of(r: reqwest::Response) -> Element {
    assert_eq!(r.status(), StatusCode::OK);
    wbxml::decode(&r.bytes().await.unwrap()).expect("a WBXML answer")
}
