//! Invitations (issue 15, point 7): attendees added in the console, or by a 16.x phone, are
//! mailed an iCalendar `METHOD:REQUEST` through the mail queue; a change that moves the event
//! reaches everyone still invited, a removed attendee and a deleted event get `CANCEL`; the
//! attendees' answers and a 14.x phone's changes mail no one (a 14.x phone sends its own).

mod common;

use app::backend::pim::calendar;
use app::backend::pim::interchange::parse_calendar;
use app::domain::model::calendar::{Attendee, BusyStatus, Event, Response, Sensitivity, When};
use base64::Engine as _;
use common::door::{anna, LOGIN};
use common::phone::{add, collection, sync_body, text, Phone};
use common::TestServer;
use server::eas::items::event::compact;
use server::eas::wbxml::Element;

const START: i64 = 1_772_438_400;

fn attendee(email: &str) -> Attendee {
    Attendee {
        name: String::new(),
        email: email.into(),
        response: Response::None,
    }
}

fn review(attendees: &[&str]) -> Event {
    Event {
        title: "Budget review".into(),
        location: "Sala 3".into(),
        description: String::new(),
        when: When::Timed {
            start: START,
            end: START + 3600,
            time_zone: "Europe/Rome".into(),
        },
        reminder_minutes: None,
        busy: BusyStatus::Busy,
        sensitivity: Sensitivity::Normal,
        rrule: None,
        attendees: attendees.iter().map(|a| attendee(a)).collect(),
    }
}

/// The `text/calendar` part of a mail, decoded.
fn calendar_part(mail: &str) -> String {
    let mail = mail.replace("\r\n", "\n");
    let at = mail
        .find("Content-Type: text/calendar")
        .expect("a text/calendar part");
    let part = &mail[at..];
    let headers_end = part.find("\n\n").expect("the part's headers end");
    let headers = &part[..headers_end];
    let body = &part[headers_end + 2..];
    let body = &body[..body.find("\n--").unwrap_or(body.len())];
    if headers.contains("base64") {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(body.replace('\n', ""))
            .unwrap();
        String::from_utf8(bytes).unwrap()
    } else {
        body.to_string()
    }
}

/// Waits for the mails to `to` that hold a calendar with `method`.
async fn invitations(server: &TestServer, to: &str, method: &str) -> Vec<String> {
    let needle = format!("method={method}");
    for _ in 0..200 {
        let found: Vec<String> = server
            .mails_to(to)
            .into_iter()
            .filter(|m| m.contains(&needle))
            .collect();
        if !found.is_empty() {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Vec::new()
}

/// Lets the queue deliver what it holds, then counts every mail to `to`.
async fn settled_count(server: &TestServer, to: &str) -> usize {
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    server.mails_to(to).len()
}

#[tokio::test]
async fn the_consoles_invitations_changes_and_cancellations_reach_the_attendees() {
    let server = TestServer::start().await;
    let anna_id = anna(&server, true, false, false).await;
    let s = &server.state;
    let id = calendar::create(
        s,
        anna_id,
        review(&["bruno@example.org", "carla@example.org"]),
    )
    .await
    .unwrap();
    for who in ["bruno@example.org", "carla@example.org"] {
        let mails = invitations(&server, who, "REQUEST").await;
        assert_eq!(mails.len(), 1, "one invitation to {who}");
        assert!(
            mails[0].contains("Reply-To: anna@example.it"),
            "{}",
            mails[0]
        );
        let ics = calendar_part(&mails[0]);
        assert!(ics.contains("METHOD:REQUEST"), "{ics}");
        assert!(ics.contains("ORGANIZER"), "{ics}");
        assert!(ics.contains("mailto:anna@example.it"), "{ics}");
        // Rome's rules, for calendars that want every TZID defined (Outlook).
        for line in [
            "BEGIN:VTIMEZONE",
            "TZID:Europe/Rome",
            "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
            "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
            "TZOFFSETTO:+0200",
            "TZOFFSETTO:+0100",
        ] {
            assert!(ics.contains(line), "{line} in {ics}");
        }
        // What the attendee's calendar reads: the same event.
        let parsed = parse_calendar(&ics, "UTC");
        assert_eq!(parsed.items.len(), 1, "{ics}");
        let event = &parsed.items[0].value.event;
        assert_eq!(event.title, "Budget review");
        assert_eq!(event.when.utc_span(), (START, START + 3600));
        assert_eq!(event.attendees.len(), 2);
    }

    // Bruno answers (as the user's phone would record it): no one is mailed again.
    let mut answered = review(&["bruno@example.org", "carla@example.org"]);
    answered.attendees[0].response = Response::Accepted;
    calendar::update(s, anna_id, id, answered).await.unwrap();
    assert_eq!(settled_count(&server, "bruno@example.org").await, 1);
    assert_eq!(settled_count(&server, "carla@example.org").await, 1);

    // Carla is replaced by Dario: she gets a cancellation, he an invitation, Bruno nothing.
    calendar::update(
        s,
        anna_id,
        id,
        review(&["bruno@example.org", "dario@example.org"]),
    )
    .await
    .unwrap();
    let cancelled = invitations(&server, "carla@example.org", "CANCEL").await;
    assert_eq!(cancelled.len(), 1);
    assert!(calendar_part(&cancelled[0]).contains("STATUS:CANCELLED"));
    assert_eq!(
        invitations(&server, "dario@example.org", "REQUEST")
            .await
            .len(),
        1
    );
    assert_eq!(settled_count(&server, "bruno@example.org").await, 1);

    // Moved an hour later: both attendees get the new time, with a higher SEQUENCE.
    let mut later = review(&["bruno@example.org", "dario@example.org"]);
    later.when = When::Timed {
        start: START + 3600,
        end: START + 7200,
        time_zone: "Europe/Rome".into(),
    };
    calendar::update(s, anna_id, id, later).await.unwrap();
    let sequence = |ics: &str| -> i64 {
        ics.lines()
            .find_map(|l| l.strip_prefix("SEQUENCE:"))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    let mut bruno = Vec::new();
    for _ in 0..200 {
        bruno = invitations(&server, "bruno@example.org", "REQUEST").await;
        if bruno.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(bruno.len(), 2);
    let (first, moved) = (calendar_part(&bruno[0]), calendar_part(&bruno[1]));
    assert!(sequence(&moved) > sequence(&first));
    let parsed = parse_calendar(&moved, "UTC");
    assert_eq!(
        parsed.items[0].value.event.when.utc_span(),
        (START + 3600, START + 7200)
    );

    // Deleted: everyone still invited gets a cancellation.
    calendar::delete(s, anna_id, id).await.unwrap();
    assert_eq!(
        invitations(&server, "bruno@example.org", "CANCEL")
            .await
            .len(),
        1
    );
    assert_eq!(
        invitations(&server, "dario@example.org", "CANCEL")
            .await
            .len(),
        1
    );
}

fn phone_event(title: &str, with: &str) -> Element {
    Element::new("AirSync", "ApplicationData")
        .child(Element::leaf("Calendar", "Subject", title))
        .child(Element::leaf("Calendar", "StartTime", compact(START)))
        .child(Element::leaf("Calendar", "EndTime", compact(START + 1800)))
        .child(
            Element::new("Calendar", "Attendees").child(
                Element::new("Calendar", "Attendee")
                    .child(Element::leaf("Calendar", "Email", with))
                    .child(Element::leaf("Calendar", "Name", "Guest"))
                    .child(Element::leaf("Calendar", "AttendeeType", "1")),
            ),
        )
}

#[tokio::test]
async fn a_16_phones_meeting_is_mailed_and_a_14_phones_is_left_to_the_phone() {
    let server = TestServer::start().await;
    anna(&server, true, false, false).await;
    for (version, guest) in [("16.1", "elena@example.org"), ("14.1", "fabio@example.org")] {
        let mut phone = Phone::new(&server, "anna", LOGIN, &format!("P{}", &version[..2])).await;
        phone.version = version;
        let first = phone
            .command("Sync", &sync_body("calendar", "0", None, vec![]))
            .await
            .unwrap();
        let key = text(collection(&first), "AirSync", "SyncKey").to_string();
        let a = phone
            .command(
                "Sync",
                &sync_body(
                    "calendar",
                    &key,
                    None,
                    vec![add("n1", phone_event("From the phone", guest))],
                ),
            )
            .await
            .unwrap();
        assert!(collection(&a).get("AirSync", "Responses").is_some());
    }
    let mails = invitations(&server, "elena@example.org", "REQUEST").await;
    assert_eq!(mails.len(), 1);
    let ics = calendar_part(&mails[0]);
    assert_eq!(
        parse_calendar(&ics, "UTC").items[0].value.event.title,
        "From the phone"
    );
    assert_eq!(settled_count(&server, "fabio@example.org").await, 0);
}

#[tokio::test]
async fn a_14_phones_own_invitation_goes_out_through_the_queue_and_plain_mail_does_not() {
    let server = TestServer::start().await;
    anna(&server, true, false, false).await;
    let mut phone = Phone::new(&server, "anna", LOGIN, "OLDPHONE").await;
    phone.version = "14.1";
    let invitation = "From: Anna <anna@example.it>\r\n\
        To: \"Gina\" <gina@example.org>\r\n\
        Bcc: hugo@example.org\r\n\
        Subject: Riunione\r\n\
        MIME-Version: 1.0\r\n\
        Content-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\
        \r\n\
        BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:phone-1\r\n\
        DTSTART:20260302T080000Z\r\nDTEND:20260302T090000Z\r\nSUMMARY:Riunione\r\n\
        ORGANIZER:mailto:anna@example.it\r\nATTENDEE:mailto:gina@example.org\r\n\
        END:VEVENT\r\nEND:VCALENDAR\r\n";
    let send = |mime: &str| {
        Element::new("ComposeMail", "SendMail")
            .child(Element::leaf("ComposeMail", "ClientId", "c1"))
            .child(Element::new("ComposeMail", "Mime").opaque(mime.as_bytes().to_vec()))
    };
    assert!(
        phone.command("SendMail", &send(invitation)).await.is_none(),
        "accepted: an empty 200"
    );
    let gina = invitations(&server, "gina@example.org", "REQUEST").await;
    assert_eq!(gina.len(), 1);
    assert!(gina[0].contains("Reply-To: anna@example.it"));
    assert!(!gina[0].contains("hugo@example.org"), "Bcc is not shown");
    assert_eq!(
        invitations(&server, "hugo@example.org", "REQUEST")
            .await
            .len(),
        1
    );
    let ics = calendar_part(&gina[0]);
    assert_eq!(
        parse_calendar(&ics, "UTC").items[0].value.event.title,
        "Riunione"
    );

    // An ordinary mail stays on the phone (status 120), and nothing is sent.
    let plain = "To: ivo@example.org\r\nSubject: ciao\r\n\r\nciao";
    let a = phone.command("SendMail", &send(plain)).await.unwrap();
    assert_eq!(a.get_text("ComposeMail", "Status"), Some("120"));
    assert_eq!(settled_count(&server, "ivo@example.org").await, 0);
}
