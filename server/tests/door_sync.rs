//! The door syncs contacts both ways (SPEC 3.1), at the WBXML level: windows, adds from the
//! phone (also resent after a lost answer), changes and deletes both ways, conflicts, keys,
//! the empty Sync, Supported lists, GetItemEstimate and ItemOperations.

mod common;

use app::backend::pim::contacts;
use app::domain::ids::UserId;
use app::domain::model::contacts::{Contact, Phone as Number, PhoneKind};
use common::door::{anna, LOGIN};
use common::phone::{
    add, change, collection, commands, contact_data, delete, sync_body, text, Phone,
};
use common::TestServer;
use server::eas::wbxml::{self, Element};

fn person(first: &str, last: &str) -> Contact {
    Contact {
        first_name: first.into(),
        last_name: last.into(),
        emails: vec![format!("{}@example.it", first.to_lowercase())],
        ..Contact::default()
    }
}

async fn console_names(server: &TestServer, user: UserId) -> Vec<String> {
    let page = contacts::list(&server.state, user, "", 0, 200)
        .await
        .unwrap();
    let mut names: Vec<String> = page.contacts.into_iter().map(|c| c.name).collect();
    names.sort();
    names
}

/// Primes the phone's Contacts and syncs until nothing more is waiting; the last key.
async fn primed(phone: &Phone<'_>) -> String {
    let first = phone
        .command("Sync", &sync_body("contacts", "0", None, vec![]))
        .await
        .unwrap();
    let mut key = text(collection(&first), "AirSync", "SyncKey").to_string();
    loop {
        let Some(a) = phone
            .command("Sync", &sync_body("contacts", &key, Some(100), vec![]))
            .await
        else {
            return key;
        };
        let c = collection(&a);
        key = text(c, "AirSync", "SyncKey").to_string();
        if c.get("AirSync", "MoreAvailable").is_none() {
            return key;
        }
    }
}

fn estimate_body(collection: &str, key: &str) -> Element {
    Element::new("GetItemEstimate", "GetItemEstimate").child(
        Element::new("GetItemEstimate", "Collections").child(
            Element::new("GetItemEstimate", "Collection")
                .child(Element::leaf("AirSync", "SyncKey", key))
                .child(Element::leaf("GetItemEstimate", "CollectionId", collection)),
        ),
    )
}

async fn estimate(phone: &Phone<'_>, collection: &str, key: &str) -> (String, Option<String>) {
    let a = phone
        .command("GetItemEstimate", &estimate_body(collection, key))
        .await
        .unwrap();
    let r = a.get("GetItemEstimate", "Response").unwrap();
    (
        text(r, "GetItemEstimate", "Status").to_string(),
        r.find("GetItemEstimate", "Estimate")
            .and_then(Element::text_content)
            .map(str::to_string),
    )
}

#[tokio::test]
async fn a_first_sync_comes_in_windows_and_the_estimate_agrees() {
    let server = TestServer::start().await;
    let id = anna(&server, true, false, false).await;
    for i in 0..25 {
        contacts::create(&server.state, id, person(&format!("P{i:02}"), "Rossi"))
            .await
            .unwrap();
    }
    let phone = Phone::new(&server, "anna", LOGIN, "PHONE1").await;
    assert_eq!(
        estimate(&phone, "contacts", "0").await,
        ("3".into(), None),
        "not primed"
    );
    let first = phone
        .command("Sync", &sync_body("contacts", "0", None, vec![]))
        .await
        .unwrap();
    let c = collection(&first);
    assert_eq!(text(c, "AirSync", "Status"), "1");
    assert!(
        c.get("AirSync", "Commands").is_none(),
        "key 0 sends nothing"
    );
    let mut key = text(c, "AirSync", "SyncKey").to_string();
    assert_eq!(
        estimate(&phone, "contacts", &key).await,
        ("1".into(), Some("25".into()))
    );
    assert_eq!(estimate(&phone, "contacts", "999").await.0, "4");
    assert_eq!(estimate(&phone, "nowhere", &key).await.0, "2");

    let mut received = Vec::new();
    let mut windows = Vec::new();
    loop {
        let a = phone
            .command("Sync", &sync_body("contacts", &key, Some(10), vec![]))
            .await
            .unwrap();
        let c = collection(&a);
        key = text(c, "AirSync", "SyncKey").to_string();
        let (adds, changes, deletes) = commands(c);
        assert!(changes.is_empty() && deletes.is_empty());
        windows.push(adds.len());
        let data = c.get("AirSync", "Commands").unwrap().elements().map(|e| {
            e.get("AirSync", "ApplicationData")
                .unwrap()
                .get_text("Contacts", "FirstName")
                .unwrap()
                .to_string()
        });
        received.extend(data);
        if c.get("AirSync", "MoreAvailable").is_none() {
            break;
        }
    }
    assert_eq!(windows, [10, 10, 5]);
    received.sort();
    let expected: Vec<String> = (0..25).map(|i| format!("P{i:02}")).collect();
    assert_eq!(received, expected, "each contact once");
    assert_eq!(
        estimate(&phone, "contacts", &key).await,
        ("1".into(), Some("0".into()))
    );
    // Nothing changed since: an empty 200.
    assert!(phone
        .command("Sync", &sync_body("contacts", &key, Some(10), vec![]))
        .await
        .is_none());
    // The Devices list shows what the phone syncs and holds.
    let list = app::backend::activesync::devices::list(&server.state, id)
        .await
        .unwrap();
    let folders = &list
        .iter()
        .find(|d| d.device_id == "PHONE1")
        .unwrap()
        .folders;
    assert_eq!(folders.len(), 1, "{folders:?}");
    assert_eq!(
        (folders[0].folder.as_str(), folders[0].items),
        ("contacts", 25)
    );
    assert_eq!(folders[0].last_sync, Some(server.state.now()));
}

#[tokio::test]
async fn a_phones_adds_changes_and_deletes_reach_the_console_and_a_lost_answer_is_recovered() {
    let server = TestServer::start().await;
    let id = anna(&server, true, false, false).await;
    let phone = Phone::new(&server, "anna", LOGIN, "PHONE1").await;
    let key = primed(&phone).await;
    let carla = contact_data(&[
        ("Contacts", "FirstName", "Carla"),
        ("Contacts", "LastName", "Bianchi"),
        ("Contacts", "MobilePhoneNumber", "+39 333 1234567"),
    ]);
    let body = sync_body("contacts", &key, None, vec![add("c-1", carla.clone())]);
    let first = phone.command("Sync", &body).await.unwrap();
    let reply = collection(&first)
        .find("AirSync", "Responses")
        .and_then(|r| r.get("AirSync", "Add"))
        .unwrap();
    assert_eq!(text(reply, "AirSync", "ClientId"), "c-1");
    assert_eq!(text(reply, "AirSync", "Status"), "1");
    let server_id = text(reply, "AirSync", "ServerId").to_string();
    assert_eq!(console_names(&server, id).await, ["Carla Bianchi"]);

    // The answer was lost: the phone sends the same key and the same add again.
    let again = phone.command("Sync", &body).await.unwrap();
    let c = collection(&again);
    let reply = c
        .find("AirSync", "Responses")
        .and_then(|r| r.get("AirSync", "Add"))
        .unwrap();
    assert_eq!(
        text(reply, "AirSync", "ServerId"),
        server_id,
        "the same contact"
    );
    assert_eq!(
        console_names(&server, id).await,
        ["Carla Bianchi"],
        "no duplicate"
    );
    assert_eq!(
        commands(c),
        (vec![], vec![], vec![]),
        "its own add is not echoed"
    );
    let key = text(c, "AirSync", "SyncKey").to_string();
    assert!(
        phone
            .command("Sync", &sync_body("contacts", &key, None, vec![]))
            .await
            .is_none(),
        "nothing new for the phone"
    );

    // A change and a delete from the phone; a change of something that does not exist.
    let edited = contact_data(&[
        ("Contacts", "FirstName", "Carla"),
        ("Contacts", "LastName", "Verdi"),
    ]);
    let a = phone
        .command(
            "Sync",
            &sync_body(
                "contacts",
                &key,
                None,
                vec![change(&server_id, edited), change("424242", carla)],
            ),
        )
        .await
        .unwrap();
    let c = collection(&a);
    let failed: Vec<(String, String)> = c
        .get("AirSync", "Responses")
        .unwrap()
        .elements()
        .map(|r| {
            (
                text(r, "AirSync", "ServerId").to_string(),
                text(r, "AirSync", "Status").to_string(),
            )
        })
        .collect();
    assert_eq!(
        failed,
        [("424242".to_string(), "8".to_string())],
        "status on error only"
    );
    assert_eq!(console_names(&server, id).await, ["Carla Verdi"]);
    let view = contacts::get(&server.state, id, server_id.parse().unwrap())
        .await
        .unwrap();
    assert!(view.contact.phones.is_empty(), "cleared on the phone");
    let key = text(c, "AirSync", "SyncKey").to_string();
    let a = phone
        .command(
            "Sync",
            &sync_body("contacts", &key, None, vec![delete(&server_id)]),
        )
        .await
        .unwrap();
    assert!(collection(&a).get("AirSync", "Responses").is_none());
    assert!(console_names(&server, id).await.is_empty());
}

#[tokio::test]
async fn console_changes_reach_the_phone_and_the_server_wins_a_conflict() {
    let server = TestServer::start().await;
    let id = anna(&server, true, false, false).await;
    let x = contacts::create(&server.state, id, person("Dario", "Neri"))
        .await
        .unwrap();
    let gone = contacts::create(&server.state, id, person("Elena", "Gialli"))
        .await
        .unwrap();
    let kept = contacts::create(&server.state, id, person("Fabio", "Viola"))
        .await
        .unwrap();
    let phone = Phone::new(&server, "anna", LOGIN, "PHONE1").await;
    let key = primed(&phone).await;
    contacts::update(&server.state, id, x, person("Dario", "Console"))
        .await
        .unwrap();
    contacts::delete(&server.state, id, gone).await.unwrap();
    contacts::update(&server.state, id, kept, person("Fabio", "Edited"))
        .await
        .unwrap();
    // The phone edits the same contact before it heard of the console's edit.
    let mine = contact_data(&[
        ("Contacts", "FirstName", "Dario"),
        ("Contacts", "LastName", "Phone"),
    ]);
    let a = phone
        .command(
            "Sync",
            &sync_body(
                "contacts",
                &key,
                None,
                // ...and deletes one the console edited meanwhile.
                vec![change(&x.to_string(), mine), delete(&kept.to_string())],
            ),
        )
        .await
        .unwrap();
    let c = collection(&a);
    let replies: Vec<&Element> = c.find("AirSync", "Responses").unwrap().elements().collect();
    assert_eq!(replies.len(), 1, "the deletion that lost gets no status");
    assert!(replies[0].is("AirSync", "Change"));
    assert_eq!(text(replies[0], "AirSync", "Status"), "7", "conflict");
    let (adds, changes, deletes) = commands(c);
    assert_eq!(
        (adds, changes, deletes),
        (
            vec![kept.to_string()],
            vec![x.to_string()],
            vec![gone.to_string()]
        ),
        "the edited contact comes back to the phone that deleted it"
    );
    let sent = c
        .find("AirSync", "Commands")
        .unwrap()
        .get("AirSync", "Change")
        .unwrap()
        .get("AirSync", "ApplicationData")
        .unwrap();
    assert_eq!(
        text(sent, "Contacts", "LastName"),
        "Console",
        "the server's version"
    );
    assert_eq!(
        console_names(&server, id).await,
        ["Dario Console", "Fabio Edited"]
    );
}

#[tokio::test]
async fn keys_the_phone_does_not_hold_and_empty_syncs() {
    let server = TestServer::start().await;
    let id = anna(&server, true, false, false).await;
    let phone = Phone::new(&server, "anna", LOGIN, "PHONE1").await;
    // An empty Sync with nothing to repeat: status 13.
    let r = phone.raw("Sync", Vec::new()).await;
    let a = wbxml::decode(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(a.get_text("AirSync", "Status"), Some("13"));
    // A key never given: status 3 (start again from 0).
    let a = phone
        .command("Sync", &sync_body("contacts", "12345", None, vec![]))
        .await
        .unwrap();
    assert_eq!(text(collection(&a), "AirSync", "Status"), "3");
    let a = phone
        .command("Sync", &sync_body("contacts", "not-a-key", None, vec![]))
        .await
        .unwrap();
    assert_eq!(text(collection(&a), "AirSync", "Status"), "3");
    // A folder the phone was not given: status 12 (sync the folder list).
    let a = phone
        .command("Sync", &sync_body("tasks", "0", None, vec![]))
        .await
        .unwrap();
    assert_eq!(text(collection(&a), "AirSync", "Status"), "12");

    primed(&phone).await;
    contacts::create(&server.state, id, person("Franca", "Blu"))
        .await
        .unwrap();
    // An empty Sync repeats the last request at the key the phone holds.
    let r = phone.raw("Sync", Vec::new()).await;
    let a = wbxml::decode(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(commands(collection(&a)).0.len(), 1, "{}", wbxml::to_xml(&a));
}

#[tokio::test]
async fn supported_lists_contacts2_and_unknown_pages_on_14_0() {
    let server = TestServer::start().await;
    let id = anna(&server, true, false, false).await;
    let mut giulia = person("Giulia", "Rosa");
    giulia.nickname = "Giuli".into();
    giulia.phones = vec![
        Number {
            kind: PhoneKind::Mobile,
            number: "+39 333 7".into(),
        },
        Number {
            kind: PhoneKind::CompanyMain,
            number: "+39 02 7".into(),
        },
    ];
    giulia.im = vec!["giulia@im.example".into()];
    let x = contacts::create(&server.state, id, giulia).await.unwrap();
    let mut phone = Phone::new(&server, "anna", LOGIN, "OLDPHONE").await;
    phone.version = "14.0";
    // 14.0's shape: Class in the collection, and the properties it supports.
    let supported = ["LastName", "MobilePhoneNumber", "Email1Address"]
        .into_iter()
        .fold(Element::new("AirSync", "Supported"), |s, tag| {
            s.child(Element::new("Contacts", tag))
        });
    let prime = Element::new("AirSync", "Sync").child(
        Element::new("AirSync", "Collections").child(
            Element::new("AirSync", "Collection")
                .child(Element::leaf("AirSync", "Class", "Contacts"))
                .child(Element::leaf("AirSync", "SyncKey", "0"))
                .child(Element::leaf("AirSync", "CollectionId", "contacts"))
                .child(supported),
        ),
    );
    let a = phone.command("Sync", &prime).await.unwrap();
    let key = text(collection(&a), "AirSync", "SyncKey").to_string();
    let a = phone
        .command("Sync", &sync_body("contacts", &key, None, vec![]))
        .await
        .unwrap();
    let c = collection(&a);
    let data = c
        .find("AirSync", "Commands")
        .unwrap()
        .get("AirSync", "Add")
        .unwrap()
        .get("AirSync", "ApplicationData")
        .unwrap();
    assert_eq!(text(data, "Contacts2", "NickName"), "Giuli");
    assert_eq!(text(data, "Contacts2", "CompanyMainPhone"), "+39 02 7");
    assert_eq!(text(data, "Contacts2", "IMAddress"), "giulia@im.example");
    let key = text(c, "AirSync", "SyncKey").to_string();

    // The phone changes the first name and sends a tag of a code page nobody knows: the
    // supported properties it left out are cleared, the others kept, the unknown one skipped.
    let mut edit = contact_data(&[
        ("Contacts", "FirstName", "Giulia Maria"),
        ("Contacts2", "NickName", "GM"),
    ]);
    edit.children.push(wbxml::Node::Element(Element {
        page: 42,
        token: 0x07,
        children: vec![wbxml::Node::Text("?".into())],
    }));
    let a = phone
        .command(
            "Sync",
            &sync_body("contacts", &key, None, vec![change(&x.to_string(), edit)]),
        )
        .await
        .unwrap();
    assert!(
        collection(&a).get("AirSync", "Responses").is_none(),
        "{}",
        wbxml::to_xml(&a)
    );
    let c = contacts::get(&server.state, id, x).await.unwrap().contact;
    assert_eq!(
        (c.first_name.as_str(), c.nickname.as_str()),
        ("Giulia Maria", "GM")
    );
    assert_eq!(c.last_name, "", "supported, left out: cleared");
    assert!(c.emails.is_empty(), "supported, left out: cleared");
    assert_eq!(
        c.phones.iter().map(|p| p.kind).collect::<Vec<_>>(),
        [PhoneKind::CompanyMain],
        "the mobile (supported) cleared, the company line (not listed) kept"
    );
    assert_eq!(c.im, ["giulia@im.example"], "not listed: kept");
}

#[tokio::test]
async fn item_operations_fetch_one_contact_of_the_user() {
    let server = TestServer::start().await;
    let id = anna(&server, true, false, false).await;
    let x = contacts::create(&server.state, id, person("Ivo", "Grigi"))
        .await
        .unwrap();
    let phone = Phone::new(&server, "anna", LOGIN, "PHONE1").await;
    let fetch = |server_id: String| {
        Element::new("ItemOperations", "ItemOperations").child(
            Element::new("ItemOperations", "Fetch")
                .child(Element::leaf("ItemOperations", "Store", "Mailbox"))
                .child(Element::leaf("AirSync", "CollectionId", "contacts"))
                .child(Element::leaf("AirSync", "ServerId", server_id)),
        )
    };
    let a = phone
        .command("ItemOperations", &fetch(x.to_string()))
        .await
        .unwrap();
    let f = a.find("ItemOperations", "Fetch").unwrap();
    assert_eq!(text(f, "ItemOperations", "Status"), "1");
    assert_eq!(text(f, "AirSync", "Class"), "Contacts");
    let props = f.get("ItemOperations", "Properties").unwrap();
    assert_eq!(text(props, "Contacts", "LastName"), "Grigi");
    // Neither a contact that does not exist nor another user's is found.
    let bob = server.add_user("bob", "bob-password-1", false).await;
    let theirs = contacts::create(&server.state, bob, person("Lia", "Bob"))
        .await
        .unwrap();
    for missing in ["999999".to_string(), theirs.to_string()] {
        let a = phone
            .command("ItemOperations", &fetch(missing))
            .await
            .unwrap();
        let f = a.find("ItemOperations", "Fetch").unwrap();
        assert_eq!(text(f, "ItemOperations", "Status"), "6");
        assert!(f.get("ItemOperations", "Properties").is_none());
    }
}

#[tokio::test]
async fn an_item_a_phone_keeps_failing_on_is_skipped_and_the_rest_still_syncs() {
    let server = TestServer::start().await;
    let id = anna(&server, true, false, false).await;
    for name in ["Aldo", "Bruno", "Ciro"] {
        contacts::create(&server.state, id, person(name, "Loop"))
            .await
            .unwrap();
    }
    let phone = Phone::new(&server, "anna", LOGIN, "FLAKY").await;
    let first = phone
        .command("Sync", &sync_body("contacts", "0", None, vec![]))
        .await
        .unwrap();
    let key = text(collection(&first), "AirSync", "SyncKey").to_string();
    // The phone chokes on every answer holding Bruno and keeps sending the same key.
    let names = |c: &Element| -> Vec<String> {
        c.get("AirSync", "Commands")
            .map(|l| {
                l.elements()
                    .filter_map(|e| e.get("AirSync", "ApplicationData"))
                    .filter_map(|d| d.get_text("Contacts", "FirstName"))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut key = key;
    let mut got = Vec::new();
    for _ in 0..20 {
        let a = phone
            .command("Sync", &sync_body("contacts", &key, Some(10), vec![]))
            .await;
        let Some(a) = a else { break };
        let c = collection(&a);
        let window = names(c);
        if window.iter().any(|n| n == "Bruno") {
            continue; // "failed": the same key again
        }
        got.extend(window);
        key = text(c, "AirSync", "SyncKey").to_string();
        if c.get("AirSync", "MoreAvailable").is_none() && !got.is_empty() {
            break;
        }
    }
    got.sort();
    assert_eq!(got, ["Aldo", "Ciro"], "the others reached the phone");
    // Bruno stays in the console and is not offered to that phone again.
    assert_eq!(
        console_names(&server, id).await,
        ["Aldo Loop", "Bruno Loop", "Ciro Loop"]
    );
    assert!(phone
        .command("Sync", &sync_body("contacts", &key, Some(10), vec![]))
        .await
        .is_none());
}

/// A phone that pushes and polls sends many requests a minute: its "last seen" is written at
/// most once a minute, and at once when its address changes.
#[tokio::test]
async fn last_seen_is_written_once_a_minute_not_per_request() {
    let server = TestServer::start().await;
    let id = anna(&server, true, false, false).await;
    let phone = Phone::new(&server, "anna", LOGIN, "PHONE1").await;
    let seen = || async {
        app::backend::store::devices::find(&server.state.pool, id, "PHONE1")
            .await
            .unwrap()
            .unwrap()
            .last_seen
    };
    let first = seen().await;
    server.clock.advance(30);
    phone.folder_sync().await;
    assert_eq!(seen().await, first, "30 s later: not written again");
    server.clock.advance(31);
    phone.folder_sync().await;
    assert_eq!(seen().await, first + 61, "a minute later: written");
}
