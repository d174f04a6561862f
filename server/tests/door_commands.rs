//! The door's commands end to end: Provision, FolderSync, Settings, and the Devices list they
//! fill.

mod common;

use app::backend::store::devices;
use common::door::{anna, post, wbxml_of, LOGIN, SYNC};
use common::TestServer;
use reqwest::StatusCode;
use server::eas::wbxml::{self, Element};

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
            ("Calendar".into(), "8".into()),
            // The mail folders phones insist on, empty.
            ("Inbox".into(), "2".into()),
            ("Drafts".into(), "3".into()),
            ("Deleted Items".into(), "4".into()),
            ("Sent Items".into(), "5".into()),
            ("Outbox".into(), "6".into()),
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

/// The folders' server ids in a FolderSync answer's `Add`s or `Delete`s.
fn changed(answer: &Element, what: &str) -> Vec<String> {
    answer
        .get("FolderHierarchy", "Changes")
        .map(|c| {
            c.elements()
                .filter(|e| e.is("FolderHierarchy", what))
                .filter_map(|e| e.get_text("FolderHierarchy", "ServerId"))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Provisions the device of `query` (both steps) and returns its policy key.
async fn provisioned(server: &TestServer, device: &str, auth: (&str, &str)) -> String {
    let pq = format!("Cmd=Provision&User=anna&{device}");
    let step1 = wbxml_of(post(server, &pq, auth, None, provision(None)).await).await;
    let temp = step1
        .find("Provision", "Policy")
        .and_then(|p| p.get_text("Provision", "PolicyKey"))
        .unwrap()
        .to_string();
    let step2 = wbxml_of(post(server, &pq, auth, Some(&temp), provision(Some(&temp))).await).await;
    step2
        .find("Provision", "PolicyKey")
        .and_then(Element::text_content)
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn sync_with_my_devices_decides_which_folders_phones_get_and_they_follow_a_change() {
    let server = TestServer::start().await;
    let id = anna(&server, true, false, false).await;
    let q = "Cmd=FolderSync&User=anna&DeviceId=PHONE1&DeviceType=Android";
    let auth = ("anna", LOGIN);
    let pk = provisioned(&server, "DeviceId=PHONE1&DeviceType=Android", auth).await;
    let pk = Some(pk.as_str());
    let first = wbxml_of(post(&server, q, auth, pk, folder_sync("0")).await).await;
    assert_eq!(
        changed(&first, "Add"),
        ["contacts", "calendar", "inbox", "drafts", "deleted", "sent", "outbox"],
        "{}",
        wbxml::to_xml(&first)
    );
    let k1 = first
        .get_text("FolderHierarchy", "SyncKey")
        .unwrap()
        .to_string();

    // Anna turns Contacts off on /preferences: audited, and her phone loses the folder.
    let mut me = server.signed_in("anna", LOGIN).await;
    let profile = me
        .call("me/sync-folder", &[("folder", "contacts"), ("on", "false")])
        .await
        .json();
    assert_eq!(
        (
            profile["sync_contacts"].as_bool(),
            profile["sync_calendar"].as_bool()
        ),
        (Some(false), Some(true))
    );
    let audit = app::backend::store::audit::for_target(&server.state.pool, id, 5)
        .await
        .unwrap();
    assert_eq!(audit[0].action, "contacts_sync_off");
    let second = wbxml_of(post(&server, q, auth, pk, folder_sync(&k1)).await).await;
    assert_eq!(second.get_text("FolderHierarchy", "Status"), Some("1"));
    assert_eq!(changed(&second, "Delete"), ["contacts"]);
    assert!(changed(&second, "Add").is_empty());
    let k2 = second
        .get_text("FolderHierarchy", "SyncKey")
        .unwrap()
        .to_string();
    assert_ne!(k1, k2, "a change gives a new key");
    let quiet = wbxml_of(post(&server, q, auth, pk, folder_sync(&k2)).await).await;
    assert_eq!(
        quiet
            .find("FolderHierarchy", "Count")
            .and_then(Element::text_content),
        Some("0")
    );

    // A new phone gets only the Calendar; turning Contacts on again adds it back.
    let other = "Cmd=FolderSync&User=anna&DeviceId=TABLET2&DeviceType=iPad";
    let pk2 = provisioned(&server, "DeviceId=TABLET2&DeviceType=iPad", auth).await;
    let fresh = wbxml_of(post(&server, other, auth, Some(&pk2), folder_sync("0")).await).await;
    assert_eq!(
        changed(&fresh, "Add"),
        ["calendar", "inbox", "drafts", "deleted", "sent", "outbox"]
    );
    me.call("me/sync-folder", &[("folder", "contacts"), ("on", "true")])
        .await;
    let back = wbxml_of(post(&server, q, auth, pk, folder_sync(&k2)).await).await;
    assert_eq!(changed(&back, "Add"), ["contacts"]);

    // Anything but the two folders is refused and changes nothing.
    let bad = me
        .call("me/sync-folder", &[("folder", "mail"), ("on", "false")])
        .await;
    assert_eq!(bad.json()["Invalid"]["field"], "folder");
    let audit = app::backend::store::audit::for_target(&server.state.pool, id, 5)
        .await
        .unwrap();
    assert_eq!(audit[0].action, "contacts_sync_on");
}
