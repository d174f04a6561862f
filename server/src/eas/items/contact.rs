//! A contact ↔ its `ApplicationData` (MS-ASCNTC, with Contacts2 and AirSyncBase's Body).
//! Reading a device's contact merges it into the stored one: a property the device sent is
//! set (empty text clears it), one it left out is cleared only when it said it supports it
//! (no `Supported` list: it supports everything); a picture it was never sent is never erased
//! by it. Unknown pages and tags are skipped.

use super::{categories, cut, eas_date, parse_eas_date, Sent};
use crate::eas::wbxml::Element;
use app::backend::pim::local_time::midnight_in;
use app::backend::sync::{PatchContext, SyncedContact};
use app::domain::model::contacts::{
    Address, AddressKind, Contact, Phone, PhoneKind, FIELD_MAX, MAX_CATEGORIES, NOTES_MAX,
};
use base64::Engine as _;

/// The largest picture a device may send (base64 of a JPEG the console then shrinks).
const PICTURE_MAX: usize = 10 << 20;

/// (page, tag) of each phone number kind.
fn phone_tag(kind: PhoneKind) -> (&'static str, &'static str) {
    match kind {
        PhoneKind::Mobile => ("Contacts", "MobilePhoneNumber"),
        PhoneKind::Work => ("Contacts", "BusinessPhoneNumber"),
        PhoneKind::Work2 => ("Contacts", "Business2PhoneNumber"),
        PhoneKind::Home => ("Contacts", "HomePhoneNumber"),
        PhoneKind::Home2 => ("Contacts", "Home2PhoneNumber"),
        PhoneKind::WorkFax => ("Contacts", "BusinessFaxNumber"),
        PhoneKind::HomeFax => ("Contacts", "HomeFaxNumber"),
        PhoneKind::Pager => ("Contacts", "PagerNumber"),
        PhoneKind::Car => ("Contacts", "CarPhoneNumber"),
        PhoneKind::CompanyMain => ("Contacts2", "CompanyMainPhone"),
        PhoneKind::Assistant => ("Contacts", "AssistantPhoneNumber"),
    }
}

fn address_prefix(kind: AddressKind) -> &'static str {
    match kind {
        AddressKind::Work => "BusinessAddress",
        AddressKind::Home => "HomeAddress",
        AddressKind::Other => "OtherAddress",
    }
}

const ADDRESS_KINDS: [AddressKind; 3] = [AddressKind::Work, AddressKind::Home, AddressKind::Other];
const ADDRESS_PARTS: [&str; 5] = ["Street", "City", "State", "PostalCode", "Country"];
const EMAILS: [&str; 3] = ["Email1Address", "Email2Address", "Email3Address"];
const IMS: [&str; 3] = ["IMAddress", "IMAddress2", "IMAddress3"];

fn address_part<'a>(a: &'a mut Address, part: &str) -> &'a mut String {
    match part {
        "Street" => &mut a.street,
        "City" => &mut a.city,
        "State" => &mut a.region,
        "PostalCode" => &mut a.postal_code,
        _ => &mut a.country,
    }
}

/// The plain-text fields: (page, tag, accessor).
type Field = (&'static str, &'static str, fn(&mut Contact) -> &mut String);
const TEXT_FIELDS: [Field; 10] = [
    ("Contacts", "Title", |c| &mut c.title),
    ("Contacts", "FirstName", |c| &mut c.first_name),
    ("Contacts", "MiddleName", |c| &mut c.middle_name),
    ("Contacts", "LastName", |c| &mut c.last_name),
    ("Contacts", "Suffix", |c| &mut c.suffix),
    ("Contacts", "CompanyName", |c| &mut c.company),
    ("Contacts", "Department", |c| &mut c.department),
    ("Contacts", "JobTitle", |c| &mut c.job_title),
    ("Contacts", "WebPage", |c| &mut c.website),
    ("Contacts2", "NickName", |c| &mut c.nickname),
];

/// What FileAs shows on a phone: "Last, First", else the display name.
fn file_as(c: &Contact) -> String {
    match (c.last_name.trim(), c.first_name.trim()) {
        ("", _) => c.display_name(),
        (last, "") => last.to_string(),
        (last, first) => format!("{last}, {first}"),
    }
}

/// The contact as a device is sent it. `zone`: the user's time zone (dates are its midnights).
pub fn write(item: &SyncedContact, zone: &str) -> Vec<Element> {
    let mut c = item.contact.clone();
    let mut out = Vec::new();
    for (page, tag, field) in TEXT_FIELDS {
        let value = field(&mut c);
        if !value.is_empty() {
            out.push(Element::leaf(page, tag, value.as_str()));
        }
    }
    out.push(Element::leaf("Contacts", "FileAs", file_as(&c)));
    for (tag, email) in EMAILS.iter().zip(&c.emails) {
        out.push(Element::leaf("Contacts", tag, email.as_str()));
    }
    for kind in PhoneKind::ALL {
        if let Some(p) = c.phones.iter().find(|p| p.kind == kind) {
            let (page, tag) = phone_tag(kind);
            out.push(Element::leaf(page, tag, p.number.as_str()));
        }
    }
    for kind in ADDRESS_KINDS {
        if let Some(a) = c.addresses.iter_mut().find(|a| a.kind == kind) {
            for part in ADDRESS_PARTS {
                let value = address_part(a, part);
                if !value.is_empty() {
                    let tag = format!("{}{part}", address_prefix(kind));
                    out.push(Element::leaf("Contacts", &tag, value.as_str()));
                }
            }
        }
    }
    for (tag, date) in [("Birthday", c.birthday), ("Anniversary", c.anniversary)] {
        if let Some(d) = date {
            out.push(Element::leaf(
                "Contacts",
                tag,
                eas_date(midnight_in(d, zone)),
            ));
        }
    }
    if !c.categories.is_empty() {
        let mut cats = Element::new("Contacts", "Categories");
        for cat in &c.categories {
            cats = cats.child(Element::leaf("Contacts", "Category", cat.as_str()));
        }
        out.push(cats);
    }
    for (tag, im) in IMS.iter().zip(&c.im) {
        out.push(Element::leaf("Contacts2", tag, im.as_str()));
    }
    if !c.notes.is_empty() {
        out.push(
            Element::new("AirSyncBase", "Body")
                .child(Element::leaf("AirSyncBase", "Type", "1"))
                .child(Element::leaf(
                    "AirSyncBase",
                    "EstimatedDataSize",
                    c.notes.len().to_string(),
                ))
                .child(Element::leaf("AirSyncBase", "Data", c.notes.as_str())),
        );
    }
    if let Some(p) = &item.picture {
        out.push(Element::leaf(
            "Contacts",
            "Picture",
            base64::engine::general_purpose::STANDARD.encode(p),
        ));
    }
    out
}

/// `"Anna Rossi" <anna@example.it>` → `anna@example.it`.
fn bare_address(s: &str) -> String {
    match (s.rfind('<'), s.rfind('>')) {
        (Some(a), Some(b)) if a < b => s[a + 1..b].trim().to_string(),
        _ => s.trim().trim_matches('"').to_string(),
    }
}

/// Sets slot `i` of a list of at most `slots.len()` values (`None`: keep).
fn merge_slots(current: &[String], updates: &[Option<String>]) -> Vec<String> {
    let mut slots: Vec<String> = (0..updates.len())
        .map(|i| current.get(i).cloned().unwrap_or_default())
        .collect();
    for (slot, update) in slots.iter_mut().zip(updates) {
        if let Some(v) = update {
            *slot = v.clone();
        }
    }
    let mut merged: Vec<String> = slots.into_iter().filter(|s| !s.is_empty()).collect();
    // Entries past what a device can hold stay as they were.
    merged.extend(current.iter().skip(updates.len()).cloned());
    merged
}

/// The device's contact, merged into `existing` (`None`: an add).
pub fn read(
    data: &Element,
    existing: Option<&SyncedContact>,
    cx: &PatchContext<'_>,
    zone: &str,
) -> SyncedContact {
    let sent = Sent::new(data, cx.supported);
    let mut item = existing.cloned().unwrap_or_default();
    let c = &mut item.contact;
    for (page, tag, field) in TEXT_FIELDS {
        if let Some(v) = sent.value(page, tag) {
            *field(c) = cut(v, FIELD_MAX);
        }
    }
    let emails: Vec<Option<String>> = EMAILS
        .iter()
        .map(|tag| {
            sent.value("Contacts", tag)
                .map(|v| bare_address(&v))
                .map(|v| {
                    if app::domain::validation::email(&v).is_ok() {
                        v
                    } else {
                        String::new()
                    }
                })
        })
        .collect();
    c.emails = merge_slots(&c.emails, &emails);
    let ims: Vec<Option<String>> = IMS
        .iter()
        .map(|tag| sent.value("Contacts2", tag).map(|v| cut(v, FIELD_MAX)))
        .collect();
    c.im = merge_slots(&c.im, &ims);
    for kind in PhoneKind::ALL {
        let (page, tag) = phone_tag(kind);
        let Some(number) = sent.value(page, tag) else {
            continue;
        };
        let number = cut(number, 64);
        match (
            c.phones.iter().position(|p| p.kind == kind),
            number.is_empty(),
        ) {
            (Some(i), true) => {
                c.phones.remove(i);
            }
            (Some(i), false) => c.phones[i].number = number,
            (None, false) => c.phones.push(Phone { kind, number }),
            (None, true) => {}
        }
    }
    for kind in ADDRESS_KINDS {
        let prefix = address_prefix(kind);
        let updates: Vec<(&str, Option<String>)> = ADDRESS_PARTS
            .iter()
            .map(|part| {
                let v = sent.value("Contacts", &format!("{prefix}{part}"));
                (*part, v.map(|v| cut(v, FIELD_MAX)))
            })
            .collect();
        if updates.iter().all(|(_, v)| v.is_none()) {
            continue;
        }
        let i = match c.addresses.iter().position(|a| a.kind == kind) {
            Some(i) => i,
            None => {
                c.addresses.push(Address {
                    kind,
                    street: String::new(),
                    city: String::new(),
                    region: String::new(),
                    postal_code: String::new(),
                    country: String::new(),
                });
                c.addresses.len() - 1
            }
        };
        for (part, v) in updates {
            if let Some(v) = v {
                *address_part(&mut c.addresses[i], part) = v;
            }
        }
        if c.addresses[i].is_empty() {
            c.addresses.remove(i);
        }
    }
    for (tag, is_birthday) in [("Birthday", true), ("Anniversary", false)] {
        if let Some(v) = sent.value("Contacts", tag) {
            let date = parse_eas_date(&v, zone);
            if is_birthday {
                c.birthday = date;
            } else {
                c.anniversary = date;
            }
        }
    }
    if let Some(list) = categories(&sent, "Contacts", FIELD_MAX, MAX_CATEGORIES) {
        c.categories = list;
    }
    match sent
        .get("AirSyncBase", "Body")
        .or(sent.get("Contacts", "Body"))
    {
        Some(body) => {
            let text = body
                .get_text("AirSyncBase", "Data")
                .or(body.text_content())
                .unwrap_or_default();
            c.notes = cut(text.replace("\r\n", "\n"), NOTES_MAX);
        }
        None if sent.cleared("AirSyncBase", "Body") => c.notes.clear(),
        None => {}
    }
    match sent.text("Contacts", "Picture") {
        Some(p) if !p.is_empty() => {
            let bytes = (p.len() <= PICTURE_MAX * 4 / 3)
                .then(|| {
                    base64::engine::general_purpose::STANDARD
                        .decode(p.as_bytes())
                        .ok()
                })
                .flatten();
            // What the device was sent comes back as it was; anything else is shrunk like an
            // upload. A picture that cannot be read is not a reason to lose the contact.
            match bytes {
                Some(b) if item.picture.as_deref() == Some(b.as_slice()) => {}
                Some(b) => {
                    if let Ok(jpeg) = app::backend::pim::picture::normalise(&b) {
                        item.picture = Some(jpeg);
                    }
                }
                None => {}
            }
        }
        // Empty, or left out of what it supports: removed, if the device ever had it.
        Some(_) if cx.had_picture => item.picture = None,
        None if cx.had_picture && sent.cleared("Contacts", "Picture") => item.picture = None,
        _ => {}
    }
    item
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::date::Date;

    fn data(children: Vec<Element>) -> Element {
        children
            .into_iter()
            .fold(Element::new("AirSync", "ApplicationData"), Element::child)
    }

    fn all() -> PatchContext<'static> {
        PatchContext {
            supported: None,
            had_picture: false,
        }
    }

    fn anna() -> SyncedContact {
        SyncedContact {
            contact: Contact {
                first_name: "Anna".into(),
                last_name: "Rossi".into(),
                company: "ACME".into(),
                nickname: "Annie".into(),
                emails: vec!["anna@acme.it".into(), "anna@home.it".into()],
                phones: vec![
                    Phone {
                        kind: PhoneKind::Mobile,
                        number: "+39 333 1".into(),
                    },
                    Phone {
                        kind: PhoneKind::CompanyMain,
                        number: "+39 02 1".into(),
                    },
                ],
                addresses: vec![Address {
                    kind: AddressKind::Work,
                    street: "Via Roma 1".into(),
                    city: "Milano".into(),
                    region: "MI".into(),
                    postal_code: "20100".into(),
                    country: "Italia".into(),
                }],
                birthday: Date::new(1990, 2, 28),
                anniversary: Date::new(2015, 6, 1),
                website: "https://acme.it".into(),
                notes: "Met at the fair.\nCall back.".into(),
                categories: vec!["Clients".into()],
                im: vec!["anna@im".into()],
                ..Contact::default()
            },
            picture: None,
        }
    }

    #[test]
    fn every_field_goes_to_the_device_and_comes_back_the_same() {
        let a = anna();
        for zone in ["", "Europe/Rome", "America/New_York", "Pacific/Auckland"] {
            let sent = data(write(&a, zone));
            assert_eq!(read(&sent, None, &all(), zone), a, "in {zone}");
        }
        let sent = data(write(&a, "Europe/Rome"));
        assert!(crate::eas::wbxml::to_xml(&sent).contains("<Contacts2:NickName>Annie"));
        assert_eq!(
            sent.get_text("Contacts", "Birthday"),
            Some("1990-02-27T23:00:00.000Z"),
            "midnight in the user's zone"
        );
        assert_eq!(sent.get_text("Contacts", "FileAs"), Some("Rossi, Anna"));
    }

    #[test]
    fn birthdays_become_dates_whatever_time_the_phone_attached() {
        for (sent, zone) in [
            ("1990-02-28T00:00:00.000Z", ""),
            ("1990-02-27T23:00:00.000Z", ""),
            ("1990-02-27T22:00:00Z", "Europe/Rome"),
            ("1990-02-28T05:00:00.000Z", ""),
            ("1990-02-28T05:00:00.000Z", "America/New_York"),
            ("1990-02-28T11:59:00.000Z", ""),
            // Midnight in Auckland's summer: 11:00 UTC the day before.
            ("1990-02-27T11:00:00.000Z", "Pacific/Auckland"),
            ("1990-02-28T12:00:00.000Z", "Etc/GMT+12"),
            ("1990-02-28", ""),
        ] {
            let d = data(vec![
                Element::leaf("Contacts", "FirstName", "X"),
                Element::leaf("Contacts", "Birthday", sent),
            ]);
            assert_eq!(
                read(&d, None, &all(), zone).contact.birthday,
                Date::new(1990, 2, 28),
                "{sent} in {zone}"
            );
        }
    }

    #[test]
    fn supported_properties_left_out_are_cleared_and_others_kept() {
        let a = anna();
        let change = data(vec![Element::leaf("Contacts", "FirstName", "Anna Maria")]);
        // No Supported list: everything left out was cleared on the phone.
        let all_cleared = read(&change, Some(&a), &all(), "").contact;
        assert_eq!(all_cleared.first_name, "Anna Maria");
        assert_eq!(all_cleared.last_name, "");
        assert!(all_cleared.emails.is_empty() && all_cleared.phones.is_empty());
        // Supported: LastName and MobilePhoneNumber only; the rest is not the phone's to clear.
        let supported = vec![
            "Contacts:LastName".to_string(),
            "Contacts:MobilePhoneNumber".to_string(),
        ];
        let cx = PatchContext {
            supported: Some(&supported),
            had_picture: false,
        };
        let merged = read(&change, Some(&a), &cx, "").contact;
        assert_eq!(merged.first_name, "Anna Maria");
        assert_eq!(merged.last_name, "", "listed and left out: cleared");
        assert_eq!(merged.phones.len(), 1, "the mobile is cleared");
        assert_eq!(merged.phones[0].kind, PhoneKind::CompanyMain, "kept");
        assert_eq!(merged.emails, a.contact.emails, "not listed: kept");
        assert_eq!(merged.notes, a.contact.notes);
        assert_eq!(merged.birthday, a.contact.birthday);
    }

    #[test]
    fn an_empty_picture_erases_only_a_picture_the_phone_was_sent() {
        let mut a = anna();
        a.picture = Some(vec![0xFF, 0xD8, 1, 2, 3]);
        let mut fields = write(&a, "");
        fields.retain(|e| !e.is("Contacts", "Picture"));
        fields.push(Element::new("Contacts", "Picture"));
        let change = data(fields);
        let never_had = read(&change, Some(&a), &all(), "");
        assert_eq!(never_had.picture, a.picture, "the phone never had it");
        let had = read(
            &change,
            Some(&a),
            &PatchContext {
                supported: None,
                had_picture: true,
            },
            "",
        );
        assert_eq!(had.picture, None, "the phone removed the picture it had");
        // The picture it was sent comes back unchanged: kept as it is.
        let echoed = read(&data(write(&a, "")), Some(&a), &all(), "");
        assert_eq!(echoed.picture, a.picture);
    }

    #[test]
    fn phones_formats_and_lengths_are_tamed_and_unknown_tags_skipped() {
        let d = data(vec![
            Element::leaf("Contacts", "FirstName", "x".repeat(300)),
            Element::leaf("Contacts", "Email1Address", "\"Anna R\" <anna@acme.it>"),
            Element::leaf("Contacts", "Email2Address", "not an address"),
            // Contacts2:ManagerName: not a field here; skipped.
            Element::leaf("Contacts2", "ManagerName", "Boss"),
            Element {
                page: 99,
                token: 0x05,
                children: vec![crate::eas::wbxml::Node::Text("?".into())],
            },
        ]);
        let c = read(&d, None, &all(), "").contact;
        assert_eq!(c.first_name.chars().count(), FIELD_MAX);
        assert_eq!(c.emails, vec!["anna@acme.it".to_string()]);
        assert!(c.clone().normalised().is_ok());
    }

    proptest::proptest! {
        /// Whatever a phone writes into any property, reading it never panics and gives a
        /// contact the console accepts (or refuses with a reason).
        #[test]
        fn any_text_in_any_property_is_read_without_panic(
            values in proptest::collection::vec(".{0,300}", 12),
            picks in proptest::collection::vec(0usize..64, 12),
        ) {
            let tags: Vec<(&str, &str)> = crate::eas::codepages::PAGES
                .iter()
                .filter(|p| ["Contacts", "Contacts2"].contains(&p.name))
                .flat_map(|p| p.tags.iter().map(move |(_, t)| (p.name, *t)))
                .collect();
            let fields = picks
                .iter()
                .zip(&values)
                .map(|(i, v)| {
                    let (page, tag) = tags[i % tags.len()];
                    Element::leaf(page, tag, v.as_str())
                })
                .collect();
            let read = read(&data(fields), Some(&anna()), &all(), "Europe/Rome");
            let _ = read.contact.normalised();
        }
    }
}
