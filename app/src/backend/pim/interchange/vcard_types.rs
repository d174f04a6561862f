//! What a vCard's TYPE parameters say: the kind of each phone number and of each address
//! (the form has fixed kinds; files have free-form type lists and Apple's labels).

use crate::domain::model::contacts::{Address, AddressKind, PhoneKind};
use calcard::common::IanaString;
use calcard::vcard::{VCardEntry, VCardParameterName, VCardParameterValue, VCardValue};
use std::collections::HashMap;

/// `_$!<HomeFAX>!$_` (Apple's built-in labels) or a custom label, lower case.
pub(crate) fn label(e: &VCardEntry) -> String {
    let raw = e.values.first().map(|v| text(v, " ")).unwrap_or_default();
    let inner = raw
        .trim()
        .trim_start_matches("_$!<")
        .trim_end_matches(">!$_");
    inner.to_ascii_lowercase()
}

/// The TYPE values (3.0 `TYPE=WORK,VOICE`, 4.0 `TYPE="work,voice"`, bare 2.1-style
/// `;WORK;X-ASSISTANT`) and the group's label, lower case.
pub(crate) fn tokens(e: &VCardEntry, labels: &HashMap<String, String>) -> Vec<String> {
    let mut out: Vec<String> = e
        .params
        .iter()
        .filter_map(|p| match (&p.name, &p.value) {
            (VCardParameterName::Type, VCardParameterValue::Type(t)) => {
                Some(t.as_str().to_string())
            }
            (VCardParameterName::Type, VCardParameterValue::Text(s)) => Some(s.clone()),
            (VCardParameterName::Other(name), VCardParameterValue::Null) => Some(name.clone()),
            _ => None,
        })
        .flat_map(|s| {
            s.split(',')
                .map(|t| t.trim().to_ascii_lowercase())
                .collect::<Vec<_>>()
        })
        .collect();
    if let Some(l) = e
        .group
        .as_ref()
        .and_then(|g| labels.get(&g.to_ascii_lowercase()))
    {
        out.push(l.clone());
    }
    out
}

/// ADR is pobox;ext;street;locality;region;code;country: the form's street line takes the
/// street, then the extended address and the PO box.
pub(crate) fn address(e: &VCardEntry, tokens: &[String]) -> Address {
    let has = |t: &str| tokens.iter().any(|x| x == t);
    let street = [2, 1, 0]
        .into_iter()
        .map(|i| part(e, i, ", "))
        .filter(|s| !s.trim().is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    Address {
        kind: if has("work") {
            AddressKind::Work
        } else if has("home") {
            AddressKind::Home
        } else {
            AddressKind::Other
        },
        street,
        city: part(e, 3, ", "),
        region: part(e, 4, ", "),
        postal_code: part(e, 5, ", "),
        country: part(e, 6, ", "),
    }
}

/// The kind a TEL's types name outright, whatever else the card has.
fn explicit(t: &[String]) -> Option<PhoneKind> {
    let has = |names: &[&str]| t.iter().any(|x| names.contains(&x.as_str()));
    Some(if has(&["x-assistant", "assistant"]) {
        PhoneKind::Assistant
    } else if has(&["homefax"]) || (has(&["fax"]) && has(&["home"])) {
        PhoneKind::HomeFax
    } else if has(&["fax", "workfax"]) {
        PhoneKind::WorkFax
    } else if has(&["pager"]) {
        PhoneKind::Pager
    } else if has(&["car", "x-car"]) {
        PhoneKind::Car
    } else if has(&["main", "main-number", "company", "x-company", "x-main"]) {
        PhoneKind::CompanyMain
    } else if has(&["cell", "mobile", "iphone", "x-mobile"]) {
        PhoneKind::Mobile
    } else if has(&["x-work2"]) {
        PhoneKind::Work2
    } else if has(&["x-home2"]) {
        PhoneKind::Home2
    } else {
        return None;
    })
}

/// Each TEL's kind, in file order. A second `work` (`home`) number becomes Work 2 (Home 2)
/// unless the card is one of ours; a number of no known type takes the first of Mobile,
/// Work, Home that the card does not have yet (Mobile if it has all three).
pub(crate) fn phone_kinds(tokens: &[Vec<String>], exact: bool) -> Vec<PhoneKind> {
    let mut kinds: Vec<Option<PhoneKind>> = tokens.iter().map(|t| explicit(t)).collect();
    for (i, t) in tokens.iter().enumerate() {
        if kinds[i].is_some() {
            continue;
        }
        let pair = if t.iter().any(|x| x == "work") {
            Some((PhoneKind::Work, PhoneKind::Work2))
        } else if t.iter().any(|x| x == "home") {
            Some((PhoneKind::Home, PhoneKind::Home2))
        } else {
            None
        };
        if let Some((one, two)) = pair {
            kinds[i] = Some(if exact || !kinds.contains(&Some(one)) {
                one
            } else if !kinds.contains(&Some(two)) {
                two
            } else {
                one
            });
        }
    }
    for i in 0..kinds.len() {
        if kinds[i].is_none() {
            let free = [PhoneKind::Mobile, PhoneKind::Work, PhoneKind::Home]
                .into_iter()
                .find(|k| !kinds.contains(&Some(*k)));
            kinds[i] = Some(free.unwrap_or(PhoneKind::Mobile));
        }
    }
    kinds.into_iter().flatten().collect()
}

pub(crate) fn text(v: &VCardValue, sep: &str) -> String {
    match v {
        VCardValue::Text(s) => s.clone(),
        VCardValue::Component(parts) => parts.join(sep),
        other => other.as_text().unwrap_or_default().to_string(),
    }
}

pub(crate) fn part(e: &VCardEntry, i: usize, sep: &str) -> String {
    e.values.get(i).map(|v| text(v, sep)).unwrap_or_default()
}
