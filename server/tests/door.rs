//! The ActiveSync door over real HTTP (MS-ASHTTP): authentication by the SPEC 1.1 policy on
//! every request, the three ways to write a user, the request line in both forms, Provision,
//! FolderSync and Settings in WBXML, devices, throttling and the cache's invalidation.

mod common;

use app::backend::activesync::sync_password::NewSyncPassword;
use app::backend::identity::proofs::{Admin, Reauthenticated};
use app::backend::store::{devices, users};
use common::TestServer;
use reqwest::{Method, StatusCode};
use server::eas::wbxml::{self, Element};

const LOGIN: &str = "anna-password-1";
const SYNC: &str = "phone-secret-42";
const DOOR: &str = "/Microsoft-Server-ActiveSync";

/// anna with the given ActiveSync switch, 2FA and sync password.
async fn anna(server: &TestServer, enabled: bool, two_factor: bool, sync: bool) -> i64 {
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

async fn options(server: &TestServer, user: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .request(Method::OPTIONS, format!("{}{DOOR}", server.base))
        .basic_auth(user, Some(password))
        .send()
        .await
        .unwrap()
}

async fn status(server: &TestServer, user: &str, password: &str) -> StatusCode {
    options(server, user, password).await.status()
}

async fn post(
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

async fn wbxml_of(r: reqwest::Response) -> Element {
    assert_eq!(r.status(), StatusCode::OK);
    wbxml::decode(&r.bytes().await.unwrap()).expect("a WBXML answer")
}

#[tokio::test]
async fn without_credentials_the_door_asks_for_basic() {
    let server = TestServer::start().await;
    let r = reqwest::Client::new()
        .request(Method::OPTIONS, format!("{}{DOOR}", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.headers()["www-authenticate"],
        "Basic realm=\"ActiveSync\""
    );
}

#[tokio::test]
async fn options_lists_what_the_door_speaks() {
    let server = TestServer::start().await;
    anna(&server, true, false, false).await;
    let r = options(&server, "anna", LOGIN).await;
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers();
    assert_eq!(h["public"], "OPTIONS,POST");
    assert_eq!(h["allow"], "OPTIONS,POST");
    assert_eq!(h["ms-asprotocolversions"], "14.1,16.1");
    assert!(h["ms-asprotocolcommands"]
        .to_str()
        .unwrap()
        .contains("FolderSync"));
    assert!(h.contains_key("ms-server-activesync"));
}

/// SPEC 1.1 row by row through the door: (A, T, S) → login password, sync password, a wrong one.
#[tokio::test]
async fn every_row_of_the_policy_through_the_door() {
    use StatusCode as S;
    let rows = [
        ((false, false, false), (S::FORBIDDEN, S::UNAUTHORIZED)),
        ((false, false, true), (S::FORBIDDEN, S::FORBIDDEN)),
        ((false, true, false), (S::FORBIDDEN, S::UNAUTHORIZED)),
        ((false, true, true), (S::FORBIDDEN, S::FORBIDDEN)),
        ((true, false, false), (S::OK, S::UNAUTHORIZED)),
        ((true, false, true), (S::UNAUTHORIZED, S::OK)),
        ((true, true, false), (S::FORBIDDEN, S::UNAUTHORIZED)),
        ((true, true, true), (S::UNAUTHORIZED, S::OK)),
    ];
    for ((a, t, s), (login, sync)) in rows {
        let server = TestServer::start().await;
        anna(&server, a, t, s).await;
        assert_eq!(
            status(&server, "anna", LOGIN).await,
            login,
            "A={a} T={t} S={s}: login password"
        );
        assert_eq!(
            status(&server, "anna", SYNC).await,
            sync,
            "A={a} T={t} S={s}: sync password"
        );
        assert_eq!(
            status(&server, "anna", "not-a-password").await,
            S::UNAUTHORIZED,
            "A={a} T={t} S={s}: wrong password"
        );
    }
}

#[tokio::test]
async fn an_inactive_user_or_the_service_switched_off_is_403() {
    let server = TestServer::start().await;
    let id = anna(&server, true, false, false).await;
    assert_eq!(status(&server, "anna", LOGIN).await, StatusCode::OK);
    // Through the backend, as the console does: cached checks follow at once.
    let cli = app::backend::audit::Origin::command_line();
    let admin = Admin::at_the_command_line();
    let reauth = Reauthenticated::at_the_command_line();
    app::backend::organisation::set_activesync_service(&server.state, &admin, &cli, false)
        .await
        .unwrap();
    assert_eq!(status(&server, "anna", LOGIN).await, StatusCode::FORBIDDEN);
    app::backend::organisation::set_activesync_service(&server.state, &admin, &cli, true)
        .await
        .unwrap();
    assert_eq!(status(&server, "anna", LOGIN).await, StatusCode::OK);
    let (state, reauth) = (&server.state, Some(&reauth));
    app::backend::identity::accounts::set_active(state, &admin, reauth, &cli, id, false)
        .await
        .unwrap();
    assert_eq!(status(&server, "anna", LOGIN).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_three_ways_to_write_the_user() {
    let server = TestServer::start().await;
    anna(&server, true, false, false).await;
    for name in ["anna", "ANNA", "CORP\\anna", "anna@example.it"] {
        assert_eq!(status(&server, name, LOGIN).await, StatusCode::OK, "{name}");
    }
    assert_eq!(
        status(&server, "nobody@example.it", LOGIN).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_cache_forgets_a_password_the_moment_it_changes() {
    let server = TestServer::start().await;
    let id = anna(&server, true, true, true).await;
    assert_eq!(status(&server, "anna", SYNC).await, StatusCode::OK);
    let hashed = server.state.hasher.verifications();
    assert_eq!(
        status(&server, "anna", SYNC).await,
        StatusCode::OK,
        "from the cache"
    );
    assert_eq!(
        server.state.hasher.verifications(),
        hashed,
        "a cache hit costs no hash"
    );
    // Through the backend, as the console changes it: the cache is dropped once committed.
    let user = users::by_id(&server.state.pool, id).await.unwrap().unwrap();
    app::backend::activesync::sync_password::change(
        &server.state,
        &user,
        &Reauthenticated::at_the_command_line(),
        &app::backend::audit::Origin::command_line(),
        NewSyncPassword {
            new: zeroize::Zeroizing::new("phone-secret-new".into()),
            confirm: zeroize::Zeroizing::new("phone-secret-new".into()),
        },
        app::i18n::Lang::En,
    )
    .await
    .unwrap();
    assert_eq!(
        status(&server, "anna", SYNC).await,
        StatusCode::UNAUTHORIZED,
        "old one, at once"
    );
    assert_eq!(
        status(&server, "anna", "phone-secret-new").await,
        StatusCode::OK
    );
    // Turning ActiveSync off is seen at once too.
    app::backend::activesync::sync_password::set_enabled(
        &server.state,
        &Admin::at_the_command_line(),
        &app::backend::audit::Origin::command_line(),
        id,
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        status(&server, "anna", "phone-secret-new").await,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn request_lines_in_both_forms_and_bad_ones() {
    let server = TestServer::start().await;
    anna(&server, true, false, false).await;
    let auth = ("anna", LOGIN);
    // MS-ASHTTP's base64 example: version 14.0, Sync, device v140Device, type SmartPhone.
    let r = post(
        &server,
        "jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l",
        auth,
        None,
        vec![],
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::BAD_REQUEST,
        "14.0 is not spoken here"
    );
    assert!(r.text().await.unwrap().contains("14.0 is not supported"));
    let row = devices::find(&server.state.pool, 1, "v140Device")
        .await
        .unwrap();
    assert_eq!(
        row.map(|d| (d.device_type, d.protocol_version)),
        Some(("SmartPhone".into(), "14.0".into()))
    );

    let r = post(
        &server,
        "Cmd=Sync&User=anna&DeviceId=dev1&DeviceType=Phone",
        auth,
        None,
        vec![],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_IMPLEMENTED);
    let r = post(
        &server,
        "Cmd=Dance&User=anna&DeviceId=dev1&DeviceType=Phone",
        auth,
        None,
        vec![],
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.text().await.unwrap().trim(), "Unknown command.");
    let r = post(
        &server,
        "Cmd=FolderSync&User=anna&DeviceType=Phone",
        auth,
        None,
        vec![],
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("no device id"));
    let r = post(
        &server,
        "Cmd=Provision&User=anna&DeviceId=dev1&DeviceType=Phone",
        auth,
        None,
        vec![3, 1, 0x6A, 0, 0x45],
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("not valid WBXML"));
    // Without credentials a bad request still only gets 401.
    let r = reqwest::Client::new()
        .post(format!("{}{DOOR}?Cmd=Dance", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

fn folder_sync(key: &str) -> Vec<u8> {
    wbxml::encode(
        &Element::new("FolderHierarchy", "FolderSync").child(Element::leaf(
            "FolderHierarchy",
            "SyncKey",
            key,
        )),
    )
}

fn provision(policy_key: Option<&str>) -> Vec<u8> {
    let mut policy = Element::new("Provision", "Policy").child(Element::leaf(
        "Provision",
        "PolicyType",
        "MS-EAS-Provisioning-WBXML",
    ));
    let mut root = Element::new("Provision", "Provision");
    match policy_key {
        Some(k) => {
            policy = policy
                .child(Element::leaf("Provision", "PolicyKey", k))
                .child(Element::leaf("Provision", "Status", "1"))
        }
        None => {
            root = root.child(
                Element::new("Settings", "DeviceInformation").child(
                    Element::new("Settings", "Set")
                        .child(Element::leaf("Settings", "Model", "Pixel 9"))
                        .child(Element::leaf("Settings", "FriendlyName", "Anna's phone"))
                        .child(Element::leaf("Settings", "OS", "Android 16")),
                ),
            )
        }
    }
    wbxml::encode(&root.child(Element::new("Provision", "Policies").child(policy)))
}

#[tokio::test]
async fn provision_then_folder_sync_lists_contacts_and_calendar() {
    let server = TestServer::start().await;
    let id = anna(&server, true, true, true).await;
    let q = "Cmd=FolderSync&User=anna&DeviceId=PIXEL9&DeviceType=Android";
    let auth = ("anna", SYNC);

    let before = wbxml_of(post(&server, q, auth, None, folder_sync("0")).await).await;
    assert_eq!(
        before.get_text("FolderHierarchy", "Status"),
        Some("142"),
        "provision first"
    );

    let pq = "Cmd=Provision&User=anna&DeviceId=PIXEL9&DeviceType=Android";
    let step1 = wbxml_of(post(&server, pq, auth, None, provision(None)).await).await;
    let policy = step1.find("Provision", "Policy").unwrap();
    assert_eq!(policy.get_text("Provision", "Status"), Some("1"));
    assert!(policy.find("Provision", "EASProvisionDoc").is_some());
    let temp = policy
        .get_text("Provision", "PolicyKey")
        .unwrap()
        .to_string();
    let step2 = wbxml_of(post(&server, pq, auth, Some(&temp), provision(Some(&temp))).await).await;
    let key = step2
        .find("Provision", "PolicyKey")
        .and_then(Element::text_content)
        .unwrap()
        .to_string();
    assert_ne!(key, temp);
    let wrong = wbxml_of(post(&server, pq, auth, None, provision(Some("12345"))).await).await;
    assert_eq!(
        wrong
            .find("Provision", "Policy")
            .unwrap()
            .get_text("Provision", "Status"),
        Some("5")
    );

    let answer = wbxml_of(post(&server, q, auth, Some(&key), folder_sync("0")).await).await;
    assert_eq!(
        answer.get_text("FolderHierarchy", "Status"),
        Some("1"),
        "{}",
        wbxml::to_xml(&answer)
    );
    let folders: Vec<(String, String)> = answer
        .get("FolderHierarchy", "Changes")
        .unwrap()
        .elements()
        .filter(|e| e.is("FolderHierarchy", "Add"))
        .map(|a| {
            (
                a.get_text("FolderHierarchy", "DisplayName")
                    .unwrap()
                    .to_string(),
                a.get_text("FolderHierarchy", "Type").unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        folders,
        [
            ("Contacts".into(), "9".into()),
            ("Calendar".into(), "8".into())
        ]
    );
    let sync_key = answer
        .get_text("FolderHierarchy", "SyncKey")
        .unwrap()
        .to_string();
    let again = wbxml_of(post(&server, q, auth, Some(&key), folder_sync(&sync_key)).await).await;
    assert_eq!(
        again
            .find("FolderHierarchy", "Count")
            .and_then(Element::text_content),
        Some("0")
    );
    let stale = wbxml_of(post(&server, q, auth, Some(&key), folder_sync("999")).await).await;
    assert_eq!(stale.get_text("FolderHierarchy", "Status"), Some("9"));

    let device = devices::find(&server.state.pool, id, "PIXEL9")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            device.model.as_str(),
            device.friendly_name.as_str(),
            device.os.as_str()
        ),
        ("Pixel 9", "Anna's phone", "Android 16")
    );
    assert_eq!(device.user_agent, "TestPhone/1.0");
    assert_eq!(device.protocol_version, "16.1");
    assert_eq!(device.last_address, "127.0.0.1");
}

#[tokio::test]
async fn the_devices_list_shows_what_the_door_saw_and_admins_block_from_it() {
    let server = TestServer::start().await;
    let id = anna(&server, true, false, false).await;
    let q = "Cmd=FolderSync&User=anna&DeviceId=TABLET7&DeviceType=iPad";
    assert_eq!(
        post(&server, q, ("anna", LOGIN), None, folder_sync("0"))
            .await
            .status(),
        StatusCode::OK
    );

    let mut me = server.signed_in("anna", LOGIN).await;
    let list = me.call("me/devices", &[]).await.json();
    assert_eq!(list[0]["device_id"], "TABLET7");
    assert_eq!(list[0]["device_type"], "iPad");
    assert_eq!(
        list[0]["model"], "TestPhone/1.0",
        "the user agent until the device names its model"
    );
    assert_eq!(list[0]["last_address"], "127.0.0.1");
    assert_eq!(list[0]["blocked"], false);
    let device = list[0]["id"].as_i64().unwrap().to_string();
    let uid = id.to_string();
    assert_eq!(
        me.call(
            "users/block-device",
            &[("id", &uid), ("device", &device), ("blocked", "true")]
        )
        .await
        .json(),
        serde_json::json!("Forbidden"),
        "users cannot block devices"
    );

    let mut admin = server.signed_in_admin().await;
    let r = admin
        .call(
            "users/block-device",
            &[("id", &uid), ("device", &device), ("blocked", "true")],
        )
        .await;
    assert_eq!(r.json()[0]["blocked"], true, "{}", r.body);
    assert_eq!(
        post(&server, q, ("anna", LOGIN), None, folder_sync("0"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        admin.call("users/audit", &[("id", &uid)]).await.json()[0]["action"],
        "DeviceBlocked"
    );
    admin
        .call(
            "users/block-device",
            &[("id", &uid), ("device", &device), ("blocked", "false")],
        )
        .await;
    assert_eq!(
        post(&server, q, ("anna", LOGIN), None, folder_sync("0"))
            .await
            .status(),
        StatusCode::OK
    );
}

async fn autodiscover(
    server: &TestServer,
    auth: Option<(&str, &str)>,
    body: &str,
) -> reqwest::Response {
    let mut r = reqwest::Client::new()
        .post(format!("{}/Autodiscover/Autodiscover.xml", server.base))
        .header("Content-Type", "text/xml")
        .body(body.to_string());
    if let Some((u, p)) = auth {
        r = r.basic_auth(u, Some(p));
    }
    r.send().await.unwrap()
}

fn autodiscover_request(email: &str, schema: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
         <Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006\">\
         <Request><EMailAddress>{email}</EMailAddress>\
         <AcceptableResponseSchema>{schema}</AcceptableResponseSchema></Request></Autodiscover>"
    )
}

#[tokio::test]
async fn autodiscover_answers_the_door_url_from_the_public_url() {
    let server = TestServer::start().await;
    anna(&server, true, false, false).await;
    let good = autodiscover_request(
        "anna@example.it",
        server::eas::autodiscover::RESPONSE_SCHEMA,
    );
    assert_eq!(
        autodiscover(&server, None, &good).await.status(),
        StatusCode::UNAUTHORIZED
    );

    let r = autodiscover(&server, Some(("anna@example.it", LOGIN)), &good).await;
    assert_eq!(r.status(), StatusCode::OK);
    let xml = r.text().await.unwrap();
    assert!(xml.contains("<Type>MobileSync</Type>"), "{xml}");
    assert!(
        xml.contains("<Url>https://crm.example.it/Microsoft-Server-ActiveSync</Url>"),
        "{xml}"
    );

    let no_email = autodiscover_request("", server::eas::autodiscover::RESPONSE_SCHEMA);
    let xml = autodiscover(&server, Some(("anna", LOGIN)), &no_email)
        .await
        .text()
        .await
        .unwrap();
    assert!(xml.contains("<ErrorCode>600</ErrorCode>"), "{xml}");
    let xml = autodiscover(&server, Some(("anna", LOGIN)), "not xml")
        .await
        .text()
        .await
        .unwrap();
    assert!(xml.contains("<ErrorCode>600</ErrorCode>"), "{xml}");
    let outlook = autodiscover_request(
        "anna@example.it",
        "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a",
    );
    let xml = autodiscover(&server, Some(("anna", LOGIN)), &outlook)
        .await
        .text()
        .await
        .unwrap();
    assert!(xml.contains("<ErrorCode>601</ErrorCode>"), "{xml}");
}
