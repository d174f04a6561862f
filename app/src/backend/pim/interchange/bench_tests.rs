//! `cargo test --release -- --ignored --nocapture`: how long a large import takes to read.

use super::*;
use crate::domain::date::Date;
use crate::domain::model::calendar::{
    Attendee, BusyStatus, Event, Exception, Response, Sensitivity, When,
};
use crate::domain::model::contacts::{Address, AddressKind, Contact, Phone, PhoneKind};
use std::time::Instant;

/// Half as phones and Google export them (3.0), half as `write_vcard` does (4.0 with a photo).
fn cards(n: usize) -> String {
    (0..n)
        .map(|i| {
            if i % 2 == 0 {
                return format!(
                    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Rossi{i};Mario;;;\r\nFN:Mario Rossi{i}\r\n\
ORG:ACME;Vendite\r\nEMAIL;TYPE=INTERNET:m{i}@example.it\r\nTEL;TYPE=CELL:+39 333 {i:07}\r\n\
TEL;TYPE=WORK,VOICE:+39 02 {i:07}\r\nADR;TYPE=HOME:;;Via Roma {i};Milano;MI;20100;Italia\r\n\
BDAY:1980-01-15\r\nNOTE:Una nota\\, piegata su più righe perché è lunga più di settantacinque\r\n  ottetti\r\n\
CATEGORIES:Clienti,VIP\r\nUID:g-{i}\r\nEND:VCARD\r\n"
                );
            }
            let c = Contact {
                first_name: format!("Anna{i}"),
                last_name: "Bianchi".into(),
                company: "ACME".into(),
                emails: vec![format!("a{i}@example.it")],
                phones: vec![Phone { kind: PhoneKind::Work2, number: format!("+39 06 {i:07}") }],
                addresses: vec![Address {
                    kind: AddressKind::Work,
                    street: "Via Dante 3".into(),
                    city: "Roma".into(),
                    region: "RM".into(),
                    postal_code: "00100".into(),
                    country: "Italia".into(),
                }],
                birthday: Date::new(1990, 2, 28),
                notes: "Note\nsu due righe".into(),
                ..Contact::default()
            };
            write_vcard(&format!("s-{i}"), &c, Some((&[0xff; 600], "image/jpeg")))
        })
        .collect()
}

fn calendar(n: usize) -> String {
    let events: Vec<(String, Event, Vec<Exception>)> = (0..n as i64)
        .map(|i| {
            let start = 1_750_000_000 + i * 3_600;
            let e = Event {
                title: format!("Riunione {i}, settimanale"),
                location: "Sala 1".into(),
                description: "Ordine del giorno:\n1. bilancio".into(),
                when: When::Timed {
                    start,
                    end: start + 3_600,
                    time_zone: "Europe/Rome".into(),
                },
                reminder_minutes: Some(15),
                busy: BusyStatus::Busy,
                sensitivity: Sensitivity::Normal,
                rrule: (i % 2 == 0).then(|| "FREQ=WEEKLY;COUNT=10".into()),
                attendees: vec![Attendee {
                    name: "Bob".into(),
                    email: "bob@example.it".into(),
                    response: Response::Accepted,
                }],
            };
            let xs = vec![Exception {
                original_start: start + 7 * 86_400,
                changes: None,
            }];
            (format!("e-{i}"), e, xs)
        })
        .collect();
    write_calendar(&events)
}

#[test]
#[ignore = "a measurement: run with --release -- --ignored --nocapture"]
fn parse_time_of_5000_vcards_and_1000_events() {
    let vcf = cards(5000);
    let ics = calendar(1000);
    for round in 1..=3 {
        let t = Instant::now();
        let contacts = parse_vcards(&vcf);
        let vcards_ms = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        let events = parse_calendar(&ics, "Europe/Rome");
        let events_ms = t.elapsed().as_secs_f64() * 1000.0;
        assert_eq!((contacts.items.len(), contacts.skipped.len()), (5000, 0));
        assert_eq!((events.items.len(), events.skipped.len()), (1000, 0));
        println!(
            "round {round}: 5000 vCards ({} KiB) in {vcards_ms:.1} ms, 1000 events ({} KiB) in {events_ms:.1} ms",
            vcf.len() / 1024,
            ics.len() / 1024
        );
    }
}
