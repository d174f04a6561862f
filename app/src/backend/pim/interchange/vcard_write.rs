//! Contacts → vCard 4.0 (RFC 6350): what `parse_vcards` reads back into the same contact.

use super::lines::{escape, push_line};
use super::vcard::PRODID;
use crate::domain::date::Date;
use crate::domain::model::contacts::{AddressKind, Contact, PhoneKind};
use base64::Engine;

/// TEL types by kind. Work 2 and Home 2 carry an `x-` type of their own so that they read
/// back as such; other readers still see a work (home) number.
fn phone_types(kind: PhoneKind) -> &'static str {
    match kind {
        PhoneKind::Mobile => "cell",
        PhoneKind::Work => "work,voice",
        PhoneKind::Work2 => "work,voice,x-work2",
        PhoneKind::Home => "home,voice",
        PhoneKind::Home2 => "home,voice,x-home2",
        PhoneKind::WorkFax => "work,fax",
        PhoneKind::HomeFax => "home,fax",
        PhoneKind::Pager => "pager",
        PhoneKind::Car => "car",
        PhoneKind::CompanyMain => "main-number",
        PhoneKind::Assistant => "x-assistant",
    }
}

/// One vCard 4.0, CRLF line ends, folded at 75 octets. `picture` is inlined as a `data:` URI.
pub fn write_vcard(uid: &str, contact: &Contact, picture: Option<(&[u8], &str)>) -> String {
    let c = contact;
    let mut out = String::new();
    let mut line = |s: String| push_line(&mut out, &s);
    line("BEGIN:VCARD".into());
    line("VERSION:4.0".into());
    line(format!("PRODID:{PRODID}"));
    line(format!("UID:{}", escape(uid)));
    line(format!("FN:{}", escape(&c.display_name())));
    // N is written even when empty: vCard 3.0 readers require it.
    line(format!(
        "N:{}",
        [
            &c.last_name,
            &c.first_name,
            &c.middle_name,
            &c.title,
            &c.suffix
        ]
        .map(|s| escape(s))
        .join(";")
    ));
    let mut text = |name: &str, value: &str| {
        if !value.is_empty() {
            line(format!("{name}:{}", escape(value)));
        }
    };
    text("NICKNAME", &c.nickname);
    text("TITLE", &c.job_title);
    text("URL", &c.website);
    text("NOTE", &c.notes);
    for e in &c.emails {
        text("EMAIL", e);
    }
    for im in &c.im {
        text("IMPP", im);
    }
    if !c.company.is_empty() || !c.department.is_empty() {
        line(format!(
            "ORG:{};{}",
            escape(&c.company),
            escape(&c.department)
        ));
    }
    for p in &c.phones {
        line(format!(
            "TEL;TYPE={}:{}",
            phone_types(p.kind),
            escape(&p.number)
        ));
    }
    for a in &c.addresses {
        let kind = match a.kind {
            AddressKind::Work => ";TYPE=work",
            AddressKind::Home => ";TYPE=home",
            AddressKind::Other => "",
        };
        let parts = [&a.street, &a.city, &a.region, &a.postal_code, &a.country].map(|s| escape(s));
        line(format!("ADR{kind}:;;{}", parts.join(";")));
    }
    let date = |d: Date| format!("{:04}{:02}{:02}", d.year(), d.month(), d.day());
    if let Some(d) = c.birthday {
        line(format!("BDAY:{}", date(d)));
    }
    if let Some(d) = c.anniversary {
        line(format!("ANNIVERSARY:{}", date(d)));
    }
    if !c.categories.is_empty() {
        let list: Vec<String> = c.categories.iter().map(|s| escape(s)).collect();
        line(format!("CATEGORIES:{}", list.join(",")));
    }
    if let Some((bytes, mime)) = picture.filter(|(b, _)| !b.is_empty()) {
        let data = base64::engine::general_purpose::STANDARD.encode(bytes);
        line(format!("PHOTO:data:{mime};base64,{data}"));
    }
    line("END:VCARD".into());
    out
}
