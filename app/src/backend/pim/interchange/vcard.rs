//! vCard 3.0 and 4.0 → contacts: each card mapped onto the form's fields, then checked by
//! the form's own rules (`Contact::normalised`).

use super::lines::{self, Block, Found, Logical};
use super::report::{Item, Parsed, SkipReason, Skipped};
use super::vcard_types::{address, label, part, phone_kinds, text, tokens};
use crate::domain::date::Date;
use crate::domain::messages::Msg;
use crate::domain::model::contacts::{
    Contact, Phone, MAX_ADDRESSES, MAX_CATEGORIES, MAX_EMAILS, MAX_IM, MAX_PHONES,
};
use calcard::vcard::{VCardEntry, VCardKind, VCardProperty, VCardValue};
use calcard::{Entry, Parser};
use std::collections::HashMap;

/// The PRODID `write_vcard` puts in its cards: their phone types are read exactly as written
/// (a second `work` number stays Work instead of becoming Work 2).
pub(crate) const PRODID: &str = "-//syncgate//EN";

/// vCard 3.0 properties that phones and Google use for IM addresses (4.0 has IMPP).
const IM_PROPERTIES: [&str; 11] = [
    "X-AIM",
    "X-ICQ",
    "X-JABBER",
    "X-MSN",
    "X-YAHOO",
    "X-SKYPE",
    "X-SKYPE-USERNAME",
    "X-GOOGLE-TALK",
    "X-GTALK",
    "X-QQ",
    "X-GADUGADU",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedContact {
    pub contact: Contact,
    /// The decoded bytes of an inline PHOTO (a linked one is not fetched).
    pub picture: Option<Vec<u8>>,
}

/// Every card of a `.vcf` file (3.0 and 4.0; 2.1 is reported as unsupported).
pub fn parse_vcards(text: &str) -> Parsed<ImportedContact> {
    let mut out = Parsed::default();
    for found in lines::blocks(text, None) {
        match found {
            Found::Stray(line) => out.skip(line, SkipReason::Malformed),
            Found::Block(b) if b.kind != "VCARD" => out.skip(b.line, SkipReason::Unsupported),
            Found::Block(b) => match card(&b) {
                Ok((uid, value)) => out.items.push(Item {
                    line: b.line,
                    uid,
                    value,
                }),
                Err(s) => out.skipped.push(s),
            },
        }
    }
    out.finish()
}

fn card(b: &Block<'_>) -> Result<(Option<String>, ImportedContact), Skipped> {
    let skip = |line, reason| Skipped { line, reason };
    let lines = b
        .lines
        .as_ref()
        .map_err(|&l| skip(l, SkipReason::Malformed))?;
    let version = lines::raw(lines, "VERSION").map(|l| l.value().trim());
    if version.is_some_and(|v| v.starts_with(['1', '2'])) {
        return Err(skip(b.line, SkipReason::Unsupported));
    }
    let Entry::VCard(vcard) = Parser::new(b.text).entry() else {
        return Err(skip(b.line, SkipReason::Malformed));
    };
    // Apple labels a property through its group: `item1.TEL` + `item1.X-ABLabel:Assistant`.
    let labels: HashMap<String, String> = vcard
        .entries
        .iter()
        .filter(
            |e| matches!(&e.name, VCardProperty::Other(n) if n.eq_ignore_ascii_case("X-ABLABEL")),
        )
        .filter_map(|e| Some((e.group.as_ref()?.to_ascii_lowercase(), label(e))))
        .collect();
    let photo_b64 = lines::raw(lines, "PHOTO")
        .is_some_and(|l| l.params().to_ascii_uppercase().contains("ENCODING=B"));
    let mut draft = Draft::default();
    for entry in &vcard.entries {
        draft.add(entry, &labels, photo_b64);
    }
    // Comma lists as written: the parser trims and collapses the spaces of their items.
    if let Some(l) = lines::raw(lines, "NICKNAME").filter(|l| !lines::encoded(l)) {
        draft.c.nickname = lines::text_list(l.value()).join(", ");
    }
    let categories: Vec<&Logical> = lines::own(lines, "CATEGORIES").collect();
    if !categories.iter().any(|l| lines::encoded(l)) {
        draft.c.categories = categories
            .iter()
            .flat_map(|l| lines::text_list(l.value()))
            .collect();
    }
    let date_error = |field| {
        skip(
            b.line,
            SkipReason::Invalid {
                field,
                msg: Msg::DateInvalid,
            },
        )
    };
    draft.c.birthday = date_field(lines, &["BDAY"]).map_err(|_| date_error("birthday"))?;
    draft.c.anniversary = date_field(lines, &["ANNIVERSARY", "X-ANNIVERSARY", "X-MS-ANNIVERSARY"])
        .map_err(|_| date_error("anniversary"))?;
    let exact = lines::raw(lines, "PRODID").is_some_and(|l| l.value().trim() == PRODID);
    let uid = draft.uid.take();
    let picture = draft.picture.take();
    let contact = draft
        .finish(exact)
        .normalised()
        .map_err(|e| skip(b.line, SkipReason::invalid(&e)))?;
    Ok((uid, ImportedContact { contact, picture }))
}

/// What a card says, gathered before the phones get their kinds and the name its fallback.
#[derive(Default)]
struct Draft {
    c: Contact,
    full_name: Option<String>,
    phones: Vec<(Vec<String>, String)>,
    uid: Option<String>,
    picture: Option<Vec<u8>>,
    seen_n: bool,
    seen_org: bool,
    organisation: bool,
}

impl Draft {
    fn add(&mut self, e: &VCardEntry, labels: &HashMap<String, String>, photo_b64: bool) {
        let c = &mut self.c;
        let first = || e.values.first().map(|v| text(v, ", ")).unwrap_or_default();
        match &e.name {
            VCardProperty::N if !self.seen_n => {
                self.seen_n = true;
                // last;first;middle;prefix;suffix, several values of one part as words.
                c.last_name = part(e, 0, " ");
                c.first_name = part(e, 1, " ");
                c.middle_name = part(e, 2, " ");
                c.title = part(e, 3, " ");
                c.suffix = part(e, 4, " ");
            }
            VCardProperty::Fn => {
                self.full_name.get_or_insert_with(first);
            }
            VCardProperty::Nickname if c.nickname.is_empty() => c.nickname = all(e, ", "),
            VCardProperty::Org if !self.seen_org => {
                self.seen_org = true;
                c.company = part(e, 0, ", ");
                c.department = (1..e.values.len())
                    .map(|i| part(e, i, ", "))
                    .filter(|s| !s.trim().is_empty())
                    .collect::<Vec<_>>()
                    .join(", ");
            }
            VCardProperty::Title if c.job_title.is_empty() => c.job_title = first(),
            VCardProperty::Email => c.emails.push(strip_scheme(&first(), "mailto:")),
            VCardProperty::Tel => self
                .phones
                .push((tokens(e, labels), strip_scheme(&first(), "tel:"))),
            VCardProperty::Adr => c.addresses.push(address(e, &tokens(e, labels))),
            VCardProperty::Url if c.website.is_empty() => c.website = first(),
            VCardProperty::Note => {
                if !c.notes.is_empty() {
                    c.notes.push('\n');
                }
                c.notes.push_str(&first());
            }
            VCardProperty::Categories => {
                c.categories.extend(e.values.iter().map(|v| text(v, ", ")))
            }
            VCardProperty::Impp => c.im.push(first()),
            VCardProperty::Uid => {
                let uid = first().trim().to_string();
                self.uid = self.uid.take().or((!uid.is_empty()).then_some(uid));
            }
            VCardProperty::Photo if self.picture.is_none() => {
                self.picture = match e.values.first() {
                    Some(VCardValue::Binary(d)) if !d.data.is_empty() => Some(d.data.clone()),
                    // Base64 that decodes to valid UTF-8 comes back as text.
                    Some(VCardValue::Text(s)) if photo_b64 && !s.is_empty() => {
                        Some(s.as_bytes().to_vec())
                    }
                    _ => None,
                };
            }
            VCardProperty::Kind => {
                self.organisation =
                    matches!(e.values.first(), Some(VCardValue::Kind(VCardKind::Org)));
            }
            VCardProperty::Other(name) => {
                let name = name.to_ascii_uppercase();
                if IM_PROPERTIES.contains(&name.as_str()) {
                    c.im.push(first());
                } else if name == "X-ABSHOWAS" {
                    self.organisation = first().eq_ignore_ascii_case("COMPANY");
                }
            }
            _ => {}
        }
    }

    fn finish(self, exact: bool) -> Contact {
        let mut c = self.c;
        let tokens: Vec<Vec<String>> = self.phones.iter().map(|(t, _)| t.clone()).collect();
        c.phones = phone_kinds(&tokens, exact)
            .into_iter()
            .zip(self.phones)
            .map(|(kind, (_, number))| Phone { kind, number })
            .filter(|p| !p.number.trim().is_empty())
            .take(MAX_PHONES)
            .collect();
        cap(&mut c.emails, MAX_EMAILS);
        cap(&mut c.im, MAX_IM);
        cap(&mut c.categories, MAX_CATEGORIES);
        c.addresses.retain(|a| !a.is_empty());
        c.addresses.truncate(MAX_ADDRESSES);
        // FN only names the contact when N does not, and is not just what already shows.
        let unnamed = [&c.first_name, &c.middle_name, &c.last_name]
            .iter()
            .all(|s| s.trim().is_empty());
        let full = self.full_name.unwrap_or_default().trim().to_string();
        let shown = full == c.nickname.trim()
            || full == c.company.trim()
            || c.emails
                .iter()
                .any(|e| e.trim().eq_ignore_ascii_case(&full));
        if unnamed && !full.is_empty() && !shown {
            if self.organisation && c.company.trim().is_empty() {
                c.company = full;
            } else if !self.organisation {
                let words: Vec<&str> = full.split_whitespace().collect();
                match words.split_last() {
                    Some((last, [])) => c.first_name = (*last).to_string(),
                    Some((last, rest)) => {
                        c.first_name = rest.join(" ");
                        c.last_name = (*last).to_string();
                    }
                    None => {}
                }
            }
        }
        c
    }
}

/// Drops empty entries, then those past what the form holds (a fourth email is left out,
/// not the card).
fn cap(values: &mut Vec<String>, max: usize) {
    values.retain(|v| !v.trim().is_empty());
    values.truncate(max);
}

fn all(e: &VCardEntry, sep: &str) -> String {
    let values: Vec<String> = e.values.iter().map(|v| text(v, sep)).collect();
    values.join(sep)
}

fn strip_scheme(value: &str, scheme: &str) -> String {
    let v = value.trim();
    match v.get(..scheme.len()) {
        Some(head) if head.eq_ignore_ascii_case(scheme) => v[scheme.len()..].to_string(),
        _ => v.to_string(),
    }
}

/// The first of `names`, read from the raw line (the parser drops a day that does not exist,
/// which must be reported, not guessed). A date-time keeps its date; a date without a year
/// (`--0115`, Apple's X-APPLE-OMIT-YEAR) or a text value leaves the field empty. `Err`: not
/// a date that exists.
fn date_field(lines: &[Logical], names: &[&str]) -> Result<Option<Date>, ()> {
    let Some(l) = lines.iter().find(|l| names.iter().any(|n| l.is(n))) else {
        return Ok(None);
    };
    let params = l.params().to_ascii_uppercase();
    if params.contains("X-APPLE-OMIT-YEAR") || params.contains("VALUE=TEXT") {
        return Ok(None);
    }
    let value = l.value().trim();
    let date = value.split(['T', 't']).next().unwrap_or(value);
    if date.starts_with("--") {
        return Ok(None);
    }
    Date::parse(date).map(Some).ok_or(())
}
