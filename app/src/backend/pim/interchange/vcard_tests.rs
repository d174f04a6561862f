use super::*;
use crate::domain::date::Date;
use crate::domain::messages::Msg;
use crate::domain::model::contacts::{Address, AddressKind, Contact, Phone, PhoneKind};

fn crlf(s: &str) -> String {
    s.lines().map(|l| format!("{l}\r\n")).collect()
}

fn one(text: &str) -> ImportedContact {
    let parsed = parse_vcards(text);
    assert_eq!(parsed.skipped, vec![], "{text}");
    assert_eq!(parsed.items.len(), 1);
    parsed.items.into_iter().next().map(|i| i.value).unwrap()
}

fn phone(kind: PhoneKind, number: &str) -> Phone {
    Phone {
        kind,
        number: number.into(),
    }
}

const GOOGLE_3: &str = r"BEGIN:VCARD
VERSION:3.0
FN:Mario Luigi Rossi
N:Rossi;Mario;Luigi;Dott.;Jr.
NICKNAME:Super\, Mario
EMAIL;TYPE=INTERNET;TYPE=HOME:mario@example.it
EMAIL;TYPE=INTERNET;TYPE=WORK:m.rossi@acme.it
TEL;TYPE=CELL:+39 333 1234567
TEL;TYPE=WORK:+39 02 1111
TEL;TYPE=WORK,VOICE:+39 02 2222
TEL;TYPE=HOME:+39 06 3333
TEL;TYPE=HOME:+39 06 4444
TEL;TYPE=WORK,FAX:+39 02 5555
TEL;TYPE=HOME,FAX:+39 06 6666
TEL;TYPE=PAGER:111
TEL;TYPE=CAR:222
TEL;TYPE=MAIN:333
TEL;TYPE=X-ASSISTANT:444
ADR;TYPE=HOME:;;Via Roma 1;Milano;MI;20100;Italia
ADR;TYPE=WORK:;Piano 3;Corso Buenos Aires 2;Milano;MI;20124;Italia
ADR:PO Box 7;;;Torino;TO;10100;Italia
ORG:ACME S.p.A.;Vendite;Nord
TITLE:Direttore
BDAY:1980-01-15
X-ANNIVERSARY:2005-06-18
URL:https://example.it
NOTE:Prima riga\nseconda\, con virgola\; e punto e virgola \\ fine
CATEGORIES:Clienti,VIP
X-AIM:mario.aim
X-JABBER:mario@jabber.org
UID:google-123
END:VCARD";

#[test]
fn a_google_vcard_3_fills_every_field() {
    let parsed = parse_vcards(&crlf(GOOGLE_3));
    assert_eq!(parsed.items[0].uid.as_deref(), Some("google-123"));
    assert_eq!(parsed.items[0].line, 1);
    let c = parsed.items[0].value.contact.clone();
    let expected = Contact {
        title: "Dott.".into(),
        first_name: "Mario".into(),
        middle_name: "Luigi".into(),
        last_name: "Rossi".into(),
        suffix: "Jr.".into(),
        nickname: "Super, Mario".into(),
        company: "ACME S.p.A.".into(),
        department: "Vendite, Nord".into(),
        job_title: "Direttore".into(),
        emails: vec!["mario@example.it".into(), "m.rossi@acme.it".into()],
        phones: vec![
            phone(PhoneKind::Mobile, "+39 333 1234567"),
            phone(PhoneKind::Work, "+39 02 1111"),
            phone(PhoneKind::Work2, "+39 02 2222"),
            phone(PhoneKind::Home, "+39 06 3333"),
            phone(PhoneKind::Home2, "+39 06 4444"),
            phone(PhoneKind::WorkFax, "+39 02 5555"),
            phone(PhoneKind::HomeFax, "+39 06 6666"),
            phone(PhoneKind::Pager, "111"),
            phone(PhoneKind::Car, "222"),
            phone(PhoneKind::CompanyMain, "333"),
            phone(PhoneKind::Assistant, "444"),
        ],
        addresses: vec![
            Address {
                kind: AddressKind::Home,
                street: "Via Roma 1".into(),
                city: "Milano".into(),
                region: "MI".into(),
                postal_code: "20100".into(),
                country: "Italia".into(),
            },
            Address {
                kind: AddressKind::Work,
                street: "Corso Buenos Aires 2, Piano 3".into(),
                city: "Milano".into(),
                region: "MI".into(),
                postal_code: "20124".into(),
                country: "Italia".into(),
            },
            Address {
                kind: AddressKind::Other,
                street: "PO Box 7".into(),
                city: "Torino".into(),
                region: "TO".into(),
                postal_code: "10100".into(),
                country: "Italia".into(),
            },
        ],
        birthday: Date::new(1980, 1, 15),
        anniversary: Date::new(2005, 6, 18),
        website: "https://example.it".into(),
        notes: "Prima riga\nseconda, con virgola; e punto e virgola \\ fine".into(),
        categories: vec!["Clienti".into(), "VIP".into()],
        im: vec!["mario.aim".into(), "mario@jabber.org".into()],
    };
    assert_eq!(c, expected);
}

const APPLE_4: &str = r#"BEGIN:VCARD
VERSION:4.0
PRODID:-//Apple Inc.//iOS 17//EN
FN:Anna Bianchi
N:Bianchi;Anna;;;
TEL;VALUE=uri;TYPE="voice,home":tel:+39-06-1234
TEL;TYPE=cell;TYPE=pref:+39 347 000
item1.TEL:+39 02 999
item1.X-ABLabel:_$!<Assistant>!$_
TEL:+39 02 123
EMAIL;TYPE=work:anna@acme.it
IMPP:xmpp:anna@jabber.org
ADR;TYPE=work:;;Via Dante 3;Roma;RM;00100;Italia
BDAY:--0115
ANNIVERSARY:20100618T120000Z
PHOTO:data:image/png;base64,iVBORw0KGgo=
UID:urn:uuid:4f6a1c1e
END:VCARD"#;

#[test]
fn an_apple_vcard_4_with_labels_uris_and_a_year_less_birthday() {
    let parsed = parse_vcards(&crlf(APPLE_4));
    assert_eq!(parsed.items[0].uid.as_deref(), Some("urn:uuid:4f6a1c1e"));
    let got = &parsed.items[0].value;
    let c = &got.contact;
    assert_eq!(
        c.phones,
        vec![
            phone(PhoneKind::Home, "+39-06-1234"),
            phone(PhoneKind::Mobile, "+39 347 000"),
            phone(PhoneKind::Assistant, "+39 02 999"),
            // No type: the first of Mobile, Work, Home the card lacks.
            phone(PhoneKind::Work, "+39 02 123"),
        ]
    );
    assert_eq!(c.birthday, None, "a birthday without a year is left out");
    assert_eq!(
        c.anniversary,
        Date::new(2010, 6, 18),
        "a date-time keeps its date"
    );
    assert_eq!(c.im, vec!["xmpp:anna@jabber.org".to_string()]);
    assert_eq!(c.addresses[0].kind, AddressKind::Work);
    assert_eq!(
        got.picture.as_deref(),
        Some(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a][..])
    );
}

#[test]
fn folded_lines_quoted_printable_and_a_3_0_photo() {
    let text = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Verdi;Giuseppe;;;\r\n\
NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Caf=C3=A9 e =\r\n=C3=A8 qui\r\n\
ORG:Folded Compa\r\n ny\r\n  Name\r\nTITLE:x\r\n\tyz\r\n\
PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQ\r\n SkZJRg==\r\nEND:VCARD\r\n";
    let got = one(text);
    assert_eq!(got.contact.notes, "Café e è qui");
    assert_eq!(got.contact.company, "Folded Company Name");
    assert_eq!(got.contact.job_title, "xyz");
    assert_eq!(
        got.picture.as_deref(),
        Some(&[0xff, 0xd8, 0xff, 0xe0, 0, 0x10, b'J', b'F', b'I', b'F'][..])
    );
}

#[test]
fn birthday_forms() {
    for (value, expected) in [
        ("19800115", Date::new(1980, 1, 15)),
        ("1980-01-15", Date::new(1980, 1, 15)),
        ("1980-01-15T10:00:00Z", Date::new(1980, 1, 15)),
        ("--0115", None),
        ("--01-15", None),
    ] {
        let text = format!("BEGIN:VCARD\nVERSION:4.0\nFN:A B\nBDAY:{value}\nEND:VCARD\n");
        assert_eq!(one(&text).contact.birthday, expected, "{value}");
    }
    let apple =
        "BEGIN:VCARD\nVERSION:3.0\nFN:A B\nBDAY;X-APPLE-OMIT-YEAR=1604:1604-01-15\nEND:VCARD\n";
    assert_eq!(one(apple).contact.birthday, None);
}

#[test]
fn a_day_that_does_not_exist_skips_the_card_with_date_invalid() {
    let text = crlf("BEGIN:VCARD\nVERSION:3.0\nFN:A B\nBDAY:2025-02-30\nEND:VCARD\nBEGIN:VCARD\nVERSION:3.0\nFN:C D\nX-ANNIVERSARY:20250431\nEND:VCARD");
    let parsed = parse_vcards(&text);
    assert!(parsed.items.is_empty());
    assert_eq!(
        parsed.skipped,
        vec![
            Skipped {
                line: 1,
                reason: SkipReason::Invalid {
                    field: "birthday",
                    msg: Msg::DateInvalid
                }
            },
            Skipped {
                line: 6,
                reason: SkipReason::Invalid {
                    field: "anniversary",
                    msg: Msg::DateInvalid
                }
            },
        ]
    );
}

#[test]
fn a_malformed_card_between_two_good_ones() {
    let text = crlf(
        "BEGIN:VCARD\nVERSION:3.0\nFN:Uno Primo\nEND:VCARD\n\
BEGIN:VCARD\nVERSION:3.0\nFN:Due\nthis line has no colon\nEND:VCARD\n\
BEGIN:VCARD\nVERSION:4.0\nFN:Tre Terzo\nEND:VCARD\n\
BEGIN:VCARD\nVERSION:3.0\nFN:Never closed\n\
BEGIN:VCARD\nVERSION:3.0\nFN:Quattro\nEND:VCARD",
    );
    let parsed = parse_vcards(&text);
    let names: Vec<(usize, String)> = parsed
        .items
        .iter()
        .map(|i| (i.line, i.value.contact.display_name()))
        .collect();
    assert_eq!(
        names,
        vec![
            (1, "Uno Primo".into()),
            (10, "Tre Terzo".into()),
            (17, "Quattro".into())
        ]
    );
    let malformed = |line| Skipped {
        line,
        reason: SkipReason::Malformed,
    };
    assert_eq!(parsed.skipped, vec![malformed(8), malformed(14)]);
}

#[test]
fn what_cannot_be_imported_is_reported() {
    let text = crlf(
        "BEGIN:VCARD\nVERSION:3.0\nEMAIL;TYPE=INTERNET:\nEND:VCARD\n\
BEGIN:VCARD\nVERSION:2.1\nN:Old;Card\nEND:VCARD\n\
not a vcard at all\nstill not\n\
BEGIN:VCARD\nVERSION:3.0\nFN:X\nEMAIL:not-an-address\nEND:VCARD",
    );
    let reasons: Vec<(usize, SkipReason)> = parse_vcards(&text)
        .skipped
        .into_iter()
        .map(|s| (s.line, s.reason))
        .collect();
    let invalid = |field, msg| SkipReason::Invalid { field, msg };
    assert_eq!(
        reasons,
        vec![
            (1, invalid("first_name", Msg::ContactNeedsName)),
            (5, SkipReason::Unsupported),
            (9, SkipReason::Malformed),
            (11, invalid("emails", Msg::EmailFormat)),
        ]
    );
}

#[test]
fn fn_names_the_contact_only_when_n_does_not() {
    let name = |body: &str| {
        let c = one(&format!("BEGIN:VCARD\nVERSION:3.0\n{body}\nEND:VCARD\n")).contact;
        (c.first_name, c.last_name, c.company)
    };
    let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        name("FN:Maria Grazia Deledda"),
        s("Maria Grazia", "Deledda", "")
    );
    assert_eq!(name("FN:Cher"), s("Cher", "", ""));
    assert_eq!(name("N:;;;;\nFN:ACME\nORG:ACME"), s("", "", "ACME"));
    assert_eq!(name("FN:ACME Ltd\nKIND:org"), s("", "", "ACME Ltd"));
    assert_eq!(
        name("FN:Ignored Name\nN:Real;Name;;;"),
        s("Name", "Real", "")
    );
}

#[test]
fn extra_entries_are_dropped_not_the_card() {
    let emails: String = (0..5).map(|i| format!("EMAIL:a{i}@x.it\n")).collect();
    let ims: String = (0..5).map(|i| format!("IMPP:xmpp:a{i}@x.it\n")).collect();
    let c = one(&format!(
        "BEGIN:VCARD\nVERSION:4.0\nFN:A B\n{emails}{ims}END:VCARD\n"
    ))
    .contact;
    assert_eq!(c.emails.len(), 3);
    assert_eq!(c.emails[2], "a2@x.it");
    assert_eq!(c.im.len(), 3);
}

#[test]
fn written_cards_are_vcard_4_escaped_and_folded() {
    let c = Contact {
        first_name: "Anna".into(),
        last_name: "O'Neil; Jr".into(),
        company: "A, B & C".into(),
        notes: format!("line one\nline two \\ {}", "é".repeat(60)),
        phones: vec![phone(PhoneKind::Work2, "+39 02 1")],
        birthday: Date::new(1990, 2, 28),
        ..Contact::default()
    };
    let text = write_vcard("uid-1", &c, Some((b"\x89PNG", "image/png")));
    assert!(text.starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\n"));
    assert!(text.ends_with("END:VCARD\r\n"));
    assert!(text.contains("\r\nFN:Anna O'Neil\\; Jr\r\n"));
    assert!(text.contains("\r\nN:O'Neil\\; Jr;Anna;;;\r\n"));
    assert!(text.contains("\r\nORG:A\\, B & C;\r\n"));
    assert!(text.contains("\r\nTEL;TYPE=work,voice,x-work2:+39 02 1\r\n"));
    assert!(text.contains("\r\nBDAY:19900228\r\n"));
    assert!(text.contains("\r\nPHOTO:data:image/png;base64,iVBORw==\r\n"));
    assert!(text.contains("NOTE:line one\\nline two \\\\ é"));
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "{line}");
    }
    let back = one(&text);
    assert_eq!(back.contact, c.normalised().unwrap());
    assert_eq!(back.picture.as_deref(), Some(&b"\x89PNG"[..]));
}
