//! What phones call whether or not a server has mail: answered with the protocol's statuses,
//! changing nothing. `Search` looks in the organisation's address book (GAL: active users, name
//! and email) and finds no mail; `ResolveRecipients` resolves addresses from that book;
//! `MoveItems` moves nothing (each folder holds one class); `ValidateCert` cannot vouch for a
//! certificate; `SendMail`, `SmartReply` and `SmartForward` send nothing (status 120: the
//! phone keeps the message and says it was not sent).

use super::Context;
use crate::eas::folders;
use crate::eas::wbxml::Element;
use app::backend::activesync::door::{self, DirectoryEntry};
use app::backend::Error;

/// GAL answers at most this many (MS-ASCMD: 100).
const GAL_MAX: usize = 100;

fn range(text: Option<&str>) -> Option<(usize, usize)> {
    let (a, b) = text?.split_once('-')?;
    let (a, b) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    (a <= b).then_some((a, b))
}

pub async fn search(cx: &Context<'_, '_>, request: &Element) -> Result<Element, Error> {
    let store = request.get("Search", "Store");
    let name = store
        .and_then(|s| s.get_text("Search", "Name"))
        .unwrap_or_default();
    let top = |status: &str| {
        Element::new("Search", "Search").child(Element::leaf("Search", "Status", status))
    };
    let answer = |store: Element| top("1").child(Element::new("Search", "Response").child(store));
    let Some(store) = store else {
        return Ok(top("2"));
    };
    if !name.eq_ignore_ascii_case("GAL") {
        // A mailbox search: there is no mail, so an empty result.
        return Ok(answer(
            Element::new("Search", "Store")
                .child(Element::leaf("Search", "Status", "1"))
                .child(Element::new("Search", "Result")),
        ));
    }
    let query = store.get_text("Search", "Query").unwrap_or_default();
    let (from, to) = range(
        store
            .get("Search", "Options")
            .and_then(|o| o.get_text("Search", "Range")),
    )
    .unwrap_or((0, GAL_MAX - 1));
    if to - from >= GAL_MAX {
        return Ok(answer(
            Element::new("Search", "Store").child(Element::leaf("Search", "Status", "12")),
        ));
    }
    let found = door::directory(cx.state, query, (to + 1) as i64).await?;
    let total = found.len();
    let mut out = Element::new("Search", "Store").child(Element::leaf("Search", "Status", "1"));
    let shown: Vec<&DirectoryEntry> = found.iter().skip(from).collect();
    for e in &shown {
        out = out.child(
            Element::new("Search", "Result").child(
                Element::new("Search", "Properties")
                    .child(Element::leaf("GAL", "DisplayName", e.display_name()))
                    .child(Element::leaf("GAL", "FirstName", e.first_name.as_str()))
                    .child(Element::leaf("GAL", "LastName", e.last_name.as_str()))
                    .child(Element::leaf("GAL", "EmailAddress", e.email.as_str())),
            ),
        );
    }
    if !shown.is_empty() {
        out = out
            .child(Element::leaf(
                "Search",
                "Range",
                format!("{from}-{}", from + shown.len() - 1),
            ))
            .child(Element::leaf("Search", "Total", total.to_string()));
    }
    Ok(answer(out))
}

pub async fn resolve_recipients(cx: &Context<'_, '_>, request: &Element) -> Result<Element, Error> {
    let leaf = |tag: &str, text: String| Element::leaf("ResolveRecipients", tag, text);
    let mut answer =
        Element::new("ResolveRecipients", "ResolveRecipients").child(leaf("Status", "1".into()));
    let to: Vec<&str> = request
        .elements()
        .filter(|e| e.is("ResolveRecipients", "To"))
        .filter_map(Element::text_content)
        .take(100)
        .collect();
    for name in to {
        let found = door::directory(cx.state, name, 10).await?;
        let mut response =
            Element::new("ResolveRecipients", "Response").child(leaf("To", name.to_string()));
        if found.is_empty() {
            response = response.child(leaf("Status", "4".into()));
        } else {
            let exact = found
                .iter()
                .any(|e| e.email.eq_ignore_ascii_case(name.trim()));
            response = response
                .child(leaf(
                    "Status",
                    if found.len() == 1 || exact { "1" } else { "2" }.into(),
                ))
                .child(leaf("RecipientCount", found.len().to_string()));
            for e in &found {
                response = response.child(
                    Element::new("ResolveRecipients", "Recipient")
                        .child(leaf("Type", "2".into()))
                        .child(leaf("DisplayName", e.display_name()))
                        .child(leaf("EmailAddress", e.email.clone())),
                );
            }
        }
        answer = answer.child(response);
    }
    Ok(answer)
}

pub fn move_items(cx: &Context<'_, '_>, request: &Element) -> Element {
    let leaf = |tag: &str, text: &str| Element::leaf("Move", tag, text);
    let mut answer = Element::new("Move", "MoveItems");
    for m in request.elements().filter(|e| e.is("Move", "Move")) {
        let item = m.get_text("Move", "SrcMsgId").unwrap_or_default();
        let from = m.get_text("Move", "SrcFldId").unwrap_or_default();
        let to = m.get_text("Move", "DstFldId").unwrap_or_default();
        let status = match (folders::find(cx.user, from), folders::find(cx.user, to)) {
            (None, _) => "1",
            (_, None) => "2",
            (Some(a), Some(b)) if a.id == b.id => "4",
            // Each folder holds its own class: nothing can go from one to another.
            _ => "2",
        };
        answer = answer.child(
            Element::new("Move", "Response")
                .child(leaf("SrcMsgId", item))
                .child(leaf("Status", status)),
        );
    }
    answer
}

/// This server keeps no trust store: it cannot say a certificate is valid (status 17).
pub fn validate_cert() -> Element {
    Element::new("ValidateCert", "ValidateCert").child(Element::leaf(
        "ValidateCert",
        "Status",
        "17",
    ))
}

/// No mail leaves through the door: "mail submission failed" (120), nothing sent.
pub fn compose(command: &str) -> Element {
    Element::new("ComposeMail", command).child(Element::leaf("ComposeMail", "Status", "120"))
}
