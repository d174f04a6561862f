//! Ping (push) and what phones call anyway: a waiting Ping is woken by a change to its user's
//! folders (from the console or another phone) and by nothing else, a newer Ping of the same
//! device ends the older one, the folder list changing gets status 7; Search, ResolveRecipients,
//! MoveItems, ValidateCert and SendMail answer with their statuses and change nothing.

mod common;

use app::backend::activesync::devices;
use app::backend::audit::Origin;
use app::backend::identity::accounts;
use app::backend::identity::proofs::Admin;
use app::backend::pim::{contacts, sync_choice};
use app::domain::model::contacts::Contact;
use app::domain::model::folders::FolderKind;
use common::door::{anna, LOGIN};
use common::phone::{add, collection, contact_data, sync_body, text, Phone};
use common::TestServer;
use server::eas::wbxml::{self, Element};
use std::time::Duration;

fn ping_body(heartbeat: Option<&str>, folders: &[&str]) -> Element {
    let mut p = Element::new("Ping", "Ping");
    if let Some(h) = heartbeat {
        p = p.child(Element::leaf("Ping", "HeartbeatInterval", h));
    }
    if !folders.is_empty() {
        p = p.child(
            folders
                .iter()
                .fold(Element::new("Ping", "Folders"), |l, id| {
                    l.child(
                        Element::new("Ping", "Folder")
                            .child(Element::leaf("Ping", "Id", *id))
                            .child(Element::leaf("Ping", "Class", "Contacts")),
                    )
                }),
        );
    }
    p
}

async fn ping(phone: &Phone<'_>, body: Option<Element>) -> Element {
    let bytes = body.map(|b| wbxml::encode(&b)).unwrap_or_default();
    let r = phone.raw("Ping", bytes).await;
    assert_eq!(r.status(), 200);
    wbxml::decode(&r.bytes().await.unwrap()).unwrap()
}

/// Primes the phone's Contacts up to date.
async fn primed(phone: &Phone<'_>) -> String {
    let a = phone
        .command("Sync", &sync_body("contacts", "0", None, vec![]))
        .await
        .unwrap();
    let mut key = text(collection(&a), "AirSync", "SyncKey").to_string();
    while let Some(a) = phone
        .command("Sync", &sync_body("contacts", &key, None, vec![]))
        .await
    {
        key = text(collection(&a), "AirSync", "SyncKey").to_string();
    }
    key
}

fn carla() -> Contact {
    Contact {
        first_name: "Carla".into(),
        ..Contact::default()
    }
}

/// Gives a Ping just sent time to reach its wait (if it answered early instead, the test's
/// assertions on its status say so).
async fn until_waiting() {
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// Until `n` requests wait (each subscribed to its user's changes by then).
async fn until_waits(server: &TestServer, n: usize) {
    for _ in 0..200 {
        if server.waiting.count() == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{n} waits expected, {} now", server.waiting.count());
}

/// A Ping of 600 s for Contacts, and `meanwhile` once it waits: its answer, which must come
/// long before its heartbeat (`why` says what should bring it).
async fn ping_while(
    server: &TestServer,
    phone: &Phone<'_>,
    meanwhile: impl std::future::Future<Output = ()>,
    why: &str,
) -> Element {
    let (a, ()) = tokio::time::timeout(Duration::from_secs(30), async {
        tokio::join!(
            ping(phone, Some(ping_body(Some("600"), &["contacts"]))),
            async {
                until_waits(server, 1).await;
                meanwhile.await;
            }
        )
    })
    .await
    .unwrap_or_else(|_| panic!("{why}, long before its heartbeat of 600 s"));
    a
}

#[tokio::test]
async fn a_waiting_ping_wakes_on_a_console_change_and_an_empty_ping_reuses_its_folders() {
    let server = TestServer::start().await;
    let id = anna(&server, true, false, false).await;
    let phone = Phone::new(&server, "anna", LOGIN, "PHONE1").await;
    primed(&phone).await;
    let create = async {
        contacts::create(&server.state, id, carla()).await.unwrap();
    };
    let a = ping_while(&server, &phone, create, "woken by the change").await;
    assert_eq!(
        a.get_text("Ping", "Status"),
        Some("2"),
        "{}",
        wbxml::to_xml(&a)
    );
    let folders: Vec<&str> = a
        .get("Ping", "Folders")
        .unwrap()
        .elements()
        .filter_map(Element::text_content)
        .collect();
    assert_eq!(folders, ["contacts"]);

    // Until it syncs, the change is still there: an empty Ping (cached folders) answers at once.
    let a = ping(&phone, None).await;
    assert_eq!(a.get_text("Ping", "Status"), Some("2"));
    primed_again(&phone).await;
    // A change by another phone of the same user wakes it too.
    let other = Phone::new(&server, "anna", LOGIN, "PHONE2").await;
    let key = primed(&other).await;
    let data = contact_data(&[("Contacts", "FirstName", "Dora")]);
    let (a, ()) = tokio::time::timeout(Duration::from_secs(30), async {
        tokio::join!(ping(&phone, None), async {
            until_waiting().await;
            other
                .command(
                    "Sync",
                    &sync_body("contacts", &key, None, vec![add("d1", data)]),
                )
                .await
                .unwrap();
        })
    })
    .await
    .expect("woken by the other phone's add");
    assert_eq!(a.get_text("Ping", "Status"), Some("2"));
}

/// The phone's Contacts synced to where they are now (its key is the door's newest).
async fn primed_again(phone: &Phone<'_>) {
    let key =
        app::backend::sync::held_key(&phone.server.state, device_row(phone).await, "contacts")
            .await
            .unwrap()
            .unwrap();
    let mut key = key;
    while let Some(a) = phone
        .command("Sync", &sync_body("contacts", &key, None, vec![]))
        .await
    {
        key = text(collection(&a), "AirSync", "SyncKey").to_string();
    }
}

async fn device_row(phone: &Phone<'_>) -> i64 {
    let user = app::backend::store::users::by_username(&phone.server.state.pool, &phone.auth.0)
        .await
        .unwrap()
        .unwrap();
    app::backend::store::devices::find(&phone.server.state.pool, user.id, &phone.device)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn ping_parameters_are_checked_and_a_newer_ping_ends_the_older() {
    let server = TestServer::start().await;
    let id = anna(&server, true, false, false).await;
    let phone = Phone::new(&server, "anna", LOGIN, "PHONE1").await;
    // Nothing cached yet: status 3.
    assert_eq!(
        ping(&phone, None).await.get_text("Ping", "Status"),
        Some("3")
    );
    for (asked, bound) in [("30", "60"), ("4000", "3540")] {
        let a = ping(&phone, Some(ping_body(Some(asked), &["contacts"]))).await;
        assert_eq!(a.get_text("Ping", "Status"), Some("5"));
        assert_eq!(a.get_text("Ping", "HeartbeatInterval"), Some(bound));
    }
    // A folder the phone never synced must be synced first: status 2 at once.
    let a = ping(&phone, Some(ping_body(Some("600"), &["contacts"]))).await;
    assert_eq!(a.get_text("Ping", "Status"), Some("2"));
    primed(&phone).await;
    // A folder the phone was not given: its folder list is outdated (7).
    let a = ping(&phone, Some(ping_body(Some("600"), &["tasks"]))).await;
    assert_eq!(a.get_text("Ping", "Status"), Some("7"));

    let user = app::backend::store::users::by_id(&server.state.pool, id)
        .await
        .unwrap()
        .unwrap();
    let (older, newer) = tokio::time::timeout(Duration::from_secs(30), async {
        tokio::join!(
            ping(&phone, Some(ping_body(Some("600"), &["contacts"]))),
            async {
                until_waiting().await;
                let newer = ping(&phone, None);
                let turn_off = async {
                    until_waiting().await;
                    // Turning Contacts off under "Sync with my devices": the waiting phone must
                    // sync its folder list (7).
                    sync_choice::set(
                        &server.state,
                        &user,
                        &Origin::command_line(),
                        FolderKind::Contacts,
                        false,
                    )
                    .await
                    .unwrap();
                };
                tokio::join!(newer, turn_off).0
            }
        )
    })
    .await
    .expect("the older Ping ends when the newer comes, the newer when the folders change");
    // The older Ping ended when the newer came (well before its heartbeat, or this test
    // would have waited ten minutes).
    assert_eq!(older.get_text("Ping", "Status"), Some("1"));
    assert_eq!(newer.get_text("Ping", "Status"), Some("7"));
}

#[tokio::test]
async fn what_phones_call_anyway_answers_and_changes_nothing() {
    let server = TestServer::start().await;
    let id = anna(&server, true, false, false).await;
    server.add_user("bob", "bob-password-1", false).await;
    contacts::create(&server.state, id, carla()).await.unwrap();
    let phone = Phone::new(&server, "anna", LOGIN, "PHONE1").await;

    // GAL: the organisation's active users, name and email only.
    let search = |store: &str, query: &str| {
        Element::new("Search", "Search").child(
            Element::new("Search", "Store")
                .child(Element::leaf("Search", "Name", store))
                .child(Element::leaf("Search", "Query", query))
                .child(
                    Element::new("Search", "Options")
                        .child(Element::leaf("Search", "Range", "0-9")),
                ),
        )
    };
    let a = phone.command("Search", &search("GAL", "bo")).await.unwrap();
    let store = a.find("Search", "Store").unwrap();
    assert_eq!(text(store, "Search", "Status"), "1");
    let props = store.find("Search", "Properties").unwrap();
    assert_eq!(text(props, "GAL", "EmailAddress"), "bob@example.it");
    assert_eq!(text(props, "GAL", "DisplayName"), "Test bob");
    assert_eq!(text(store, "Search", "Total"), "1");
    let a = phone
        .command("Search", &search("GAL", "zzz"))
        .await
        .unwrap();
    assert!(a.find("Search", "Result").is_none(), "no match, no result");
    // A mailbox search finds no mail.
    let a = phone
        .command("Search", &search("Mailbox", "invoice"))
        .await
        .unwrap();
    let store = a.find("Search", "Store").unwrap();
    assert_eq!(text(store, "Search", "Status"), "1");
    assert!(store
        .get("Search", "Result")
        .is_some_and(|r| r.children.is_empty()));

    let resolve = Element::new("ResolveRecipients", "ResolveRecipients")
        .child(Element::leaf("ResolveRecipients", "To", "bob@example.it"))
        .child(Element::leaf(
            "ResolveRecipients",
            "To",
            "nobody@nowhere.example",
        ));
    let a = phone.command("ResolveRecipients", &resolve).await.unwrap();
    let answers: Vec<&str> = a
        .elements()
        .filter(|e| e.is("ResolveRecipients", "Response"))
        .map(|r| text(r, "ResolveRecipients", "Status"))
        .collect();
    assert_eq!(answers, ["1", "4"]);

    let moves = Element::new("Move", "MoveItems").child(
        Element::new("Move", "Move")
            .child(Element::leaf("Move", "SrcMsgId", "1"))
            .child(Element::leaf("Move", "SrcFldId", "contacts"))
            .child(Element::leaf("Move", "DstFldId", "calendar")),
    );
    let a = phone.command("MoveItems", &moves).await.unwrap();
    assert_eq!(
        text(a.get("Move", "Response").unwrap(), "Move", "Status"),
        "2"
    );

    let cert = Element::new("ValidateCert", "ValidateCert").child(
        Element::new("ValidateCert", "Certificates").child(Element::leaf(
            "ValidateCert",
            "Certificate",
            "MIIB",
        )),
    );
    let a = phone.command("ValidateCert", &cert).await.unwrap();
    assert_eq!(a.get_text("ValidateCert", "Status"), Some("17"));

    let mail = Element::new("ComposeMail", "SendMail")
        .child(Element::leaf("ComposeMail", "ClientId", "m1"))
        .child(Element::new("ComposeMail", "SaveInSentItems"))
        .child(
            Element::new("ComposeMail", "Mime").opaque(b"To: bob@example.it\r\n\r\nhi".to_vec()),
        );
    // A plain mail stays on the phone: syncgate is not a mail server (invitations are another
    // matter: tests/invitations.rs).
    let a = phone.command("SendMail", &mail).await.unwrap();
    assert_eq!(a.get_text("ComposeMail", "Status"), Some("120"));
    assert!(
        server.mails_to("bob@example.it").is_empty(),
        "nothing was sent"
    );

    // The mail folders sync, empty, and an item a phone adds there is refused with status 6
    // rather than lost silently; so is an appointment without a start in the calendar.
    for folder in ["inbox", "calendar"] {
        let a = phone
            .command("Sync", &sync_body(folder, "0", None, vec![]))
            .await
            .unwrap();
        let key = text(collection(&a), "AirSync", "SyncKey").to_string();
        assert!(phone
            .command("Sync", &sync_body(folder, &key, None, vec![]))
            .await
            .is_none());
        let meeting = contact_data(&[("Calendar", "Subject", "Meeting")]);
        let a = phone
            .command(
                "Sync",
                &sync_body(folder, &key, None, vec![add("m1", meeting)]),
            )
            .await
            .unwrap();
        let reply = collection(&a).find("AirSync", "Responses").unwrap();
        assert_eq!(
            text(reply.get("AirSync", "Add").unwrap(), "AirSync", "Status"),
            "6"
        );
    }
    // Contacts unchanged by all of it.
    assert_eq!(
        contacts::list(&server.state, id, "", 0, 10)
            .await
            .unwrap()
            .total,
        1
    );
}

#[tokio::test]
async fn androids_validate_device_id_provisions_and_lists_folders() {
    let server = TestServer::start().await;
    anna(&server, true, false, false).await;
    let phone = Phone::new(&server, "anna", LOGIN, "validate").await;
    let folders = phone.folder_sync().await;
    assert!(wbxml::to_xml(&folders).contains("contacts"));
}

/// A Sync that asks to wait (`Wait` in minutes, or `HeartbeatInterval`) with nothing to say
/// waits like a Ping, and answers with the change that woke it.
#[tokio::test]
async fn a_long_poll_sync_waits_for_the_change_and_brings_it() {
    let server = TestServer::start().await;
    let id = anna(&server, true, false, false).await;
    let phone = Phone::new(&server, "anna", LOGIN, "PHONE1").await;
    let key = primed(&phone).await;
    let waiting = |tag: &str, value: &str| {
        let mut body = sync_body("contacts", &key, None, vec![]);
        body.children
            .push(wbxml::Node::Element(Element::leaf("AirSync", tag, value)));
        body
    };
    for (tag, value, limit) in [("HeartbeatInterval", "30", "60"), ("Wait", "90", "59")] {
        let a = phone.command("Sync", &waiting(tag, value)).await.unwrap();
        assert_eq!(a.get_text("AirSync", "Status"), Some("14"));
        assert_eq!(a.get_text("AirSync", "Limit"), Some(limit));
    }
    let five_minutes = waiting("Wait", "5");
    let (a, ()) = tokio::time::timeout(Duration::from_secs(30), async {
        tokio::join!(phone.command("Sync", &five_minutes), async {
            until_waiting().await;
            contacts::create(&server.state, id, carla()).await.unwrap();
        })
    })
    .await
    .expect("woken by the change, long before its five minutes");
    let a = a.expect("the change, not an empty answer");
    let added = common::phone::commands(collection(&a)).0;
    assert_eq!(added.len(), 1, "{}", wbxml::to_xml(&a));
}

/// An admin blocks one of the user's phones while both wait in Ping: both waits end at once
/// ("ask again"), the blocked phone is then refused and the other goes on; a long-poll Sync
/// waiting when the user's password changes ends too, empty, and the old password is refused.
#[tokio::test]
async fn a_credential_change_ends_the_users_waits_and_the_door_checks_again() {
    let server = TestServer::start().await;
    let id = anna(&server, true, false, false).await;
    let blocked = Phone::new(&server, "anna", LOGIN, "PHONE1").await;
    let other = Phone::new(&server, "anna", LOGIN, "PHONE2").await;
    let key = primed(&other).await;
    primed(&blocked).await;
    let device = device_row(&blocked).await;
    let admin = Admin::at_the_command_line();
    let started = std::time::Instant::now();
    let (a, b, ()) = tokio::time::timeout(Duration::from_secs(30), async {
        tokio::join!(
            ping(&blocked, Some(ping_body(Some("600"), &["contacts"]))),
            ping(&other, Some(ping_body(Some("600"), &["contacts"]))),
            async {
                until_waits(&server, 2).await;
                let cli = Origin::command_line();
                devices::set_blocked(&server.state, &admin, &cli, id, device, true)
                    .await
                    .unwrap();
            }
        )
    })
    .await
    .expect("ended by the block, long before the heartbeat of 600 s");
    for answer in [&a, &b] {
        let xml = wbxml::to_xml(answer);
        assert_eq!(answer.get_text("Ping", "Status"), Some("1"), "{xml}");
    }
    assert!(started.elapsed() < Duration::from_secs(10));
    let refused = blocked.raw("FolderSync", Vec::new()).await;
    assert_eq!(refused.status(), reqwest::StatusCode::FORBIDDEN);
    assert!(other
        .command("Sync", &sync_body("contacts", &key, None, vec![]))
        .await
        .is_none());

    // A long-poll Sync ends, empty, when the password it signed in with is changed.
    let mut body = sync_body("contacts", &key, None, vec![]);
    body.children
        .push(wbxml::Node::Element(Element::leaf("AirSync", "Wait", "5")));
    let (a, ()) = tokio::time::timeout(Duration::from_secs(30), async {
        tokio::join!(other.command("Sync", &body), async {
            until_waits(&server, 1).await;
            let new = zeroize::Zeroizing::new("a brand new login password".to_string());
            let cli = Origin::command_line();
            accounts::reset_password(&server.state, &cli, "anna", new)
                .await
                .unwrap();
        })
    })
    .await
    .expect("ended by the password change, long before its five minutes");
    assert!(
        a.is_none(),
        "an empty answer: nothing changed in the folder"
    );
    let refused = other.raw("FolderSync", Vec::new()).await;
    assert_eq!(refused.status(), reqwest::StatusCode::UNAUTHORIZED);
}

/// Another process (the command line) switches the account off: nothing is announced, the
/// door's look at the database finds it, and the waiting Ping ends; the phone is then refused.
#[tokio::test]
async fn a_change_by_another_process_ends_the_wait_too() {
    let server = TestServer::start().await;
    let id = anna(&server, true, false, false).await;
    let phone = Phone::new(&server, "anna", LOGIN, "PHONE1").await;
    primed(&phone).await;
    let switched_off = async {
        let pool = &server.state.pool;
        let done = app::backend::store::users::set_active(pool, id, false, 0).await;
        done.unwrap();
    };
    let why = "ended within the door's look at the database";
    let a = ping_while(&server, &phone, switched_off, why).await;
    assert_eq!(a.get_text("Ping", "Status"), Some("1"));
    let refused = phone.raw("FolderSync", Vec::new()).await;
    assert_eq!(refused.status(), reqwest::StatusCode::FORBIDDEN);
}

/// A phone that hangs up while its Ping waits leaves no wait behind: the connection layer
/// notices the hang-up without reading the connection (it holds no buffer for it).
#[tokio::test]
async fn a_phone_that_hangs_up_leaves_no_wait_behind() {
    let server = TestServer::start().await;
    anna(&server, true, false, false).await;
    let phone = Phone::new(&server, "anna", LOGIN, "PHONE1").await;
    primed(&phone).await;
    let (gave_up, ()) = tokio::join!(
        // The phone stops waiting after 2 s: its connection is closed mid-request.
        tokio::time::timeout(
            Duration::from_secs(2),
            ping(&phone, Some(ping_body(Some("600"), &["contacts"])))
        ),
        async {
            until_waiting().await;
            assert_eq!(server.waiting.count(), 1, "the Ping waits");
        }
    );
    assert!(gave_up.is_err(), "no answer within 2 s: it waited");
    let started = std::time::Instant::now();
    while server.waiting.count() > 0 && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        server.waiting.count(),
        0,
        "the wait ended with the connection"
    );
    // The phone comes back and waits again.
    let (again, ()) = tokio::join!(
        tokio::time::timeout(
            Duration::from_secs(1),
            ping(&phone, Some(ping_body(Some("600"), &["contacts"])))
        ),
        async {
            until_waiting().await;
            assert_eq!(server.waiting.count(), 1);
        }
    );
    assert!(again.is_err());
}

/// Issue 26: a draining instance (SIGTERM) answers its waiting Pings at once, "nothing
/// changed", so each phone asks again, through the proxy, of another instance.
#[tokio::test]
async fn a_draining_instance_answers_its_waiting_ping_at_once() {
    let server = TestServer::start().await;
    anna(&server, true, false, false).await;
    let phone = Phone::new(&server, "anna", LOGIN, "PHONE1").await;
    primed(&phone).await;
    let started = std::time::Instant::now();
    let drain = async { server.drain() };
    let a = ping_while(&server, &phone, drain, "answered when the drain began").await;
    assert_eq!(
        a.get_text("Ping", "Status"),
        Some("1"),
        "{}",
        wbxml::to_xml(&a)
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// Issue 26: the door works on only so many requests at once (a burst of phones after a
/// restart holds that many requests' working memory, not one each), and a waiting Ping or
/// long-poll Sync gives its place back: with two places, three Pings and a long-poll Sync
/// wait, and a new phone is still answered; the change then wakes all four.
#[tokio::test]
async fn waiting_phones_give_their_place_to_the_next_request() {
    let server = TestServer::start().await;
    let id = anna(&server, true, false, false).await;
    let mut phones = Vec::new();
    let mut keys = Vec::new();
    for n in 1..=4 {
        let phone = Phone::new(&server, "anna", LOGIN, &format!("PHONE{n}")).await;
        keys.push(primed(&phone).await);
        phones.push(phone);
    }
    // Two places left of the door's.
    server.places.forget_permits(server::eas::door::PLACES - 2);
    assert_eq!(server.places.available_permits(), 2);
    let mut long_poll = sync_body("contacts", &keys[3], None, vec![]);
    long_poll
        .children
        .push(wbxml::Node::Element(Element::leaf("AirSync", "Wait", "5")));
    let body = || Some(ping_body(Some("600"), &["contacts"]));
    let (first, second, third, synced, ()) = tokio::time::timeout(Duration::from_secs(30), async {
        tokio::join!(
            ping(&phones[0], body()),
            ping(&phones[1], body()),
            ping(&phones[2], body()),
            phones[3].command("Sync", &long_poll),
            async {
                until_waiting().await;
                assert_eq!(server.waiting.count(), 4, "all four wait");
                assert_eq!(server.places.available_permits(), 2, "none holds a place");
                // A new phone is answered meanwhile: provisioned, its folders listed.
                let new = tokio::time::timeout(
                    Duration::from_secs(10),
                    Phone::new(&server, "anna", LOGIN, "PHONE5"),
                )
                .await;
                assert!(new.is_ok(), "the new phone was answered while four wait");
                contacts::create(&server.state, id, carla()).await.unwrap();
            }
        )
    })
    .await
    .expect("all four woken by the change");
    for a in [first, second, third] {
        assert_eq!(
            a.get_text("Ping", "Status"),
            Some("2"),
            "{}",
            wbxml::to_xml(&a)
        );
    }
    let synced = synced.expect("the change, not an empty answer");
    assert_eq!(common::phone::commands(collection(&synced)).0.len(), 1);
    assert_eq!(
        server.places.available_permits(),
        2,
        "the places taken to look again are back"
    );
}

/// Issue 26: past the door's places, a signed-in request waits for one, and goes on when
/// one is free.
#[tokio::test]
async fn a_request_waits_for_a_place_when_all_are_taken() {
    let server = TestServer::start().await;
    anna(&server, true, false, false).await;
    let phone = Phone::new(&server, "anna", LOGIN, "PHONE1").await;
    server.places.forget_permits(server::eas::door::PLACES);
    assert_eq!(server.places.available_permits(), 0);
    let asked = phone.folder_sync();
    tokio::pin!(asked);
    assert!(
        tokio::time::timeout(Duration::from_millis(500), &mut asked)
            .await
            .is_err(),
        "no place: the request waits"
    );
    server.places.add_permits(1);
    let folders = tokio::time::timeout(Duration::from_secs(10), asked)
        .await
        .expect("answered once a place is free");
    assert!(wbxml::to_xml(&folders).contains("contacts"));
    assert_eq!(server.places.available_permits(), 1, "its place is back");
}
