//! ItemOperations (MS-ASCMD 2.2.1.10): `Fetch` of one item of a folder the device gets, with
//! its class; a missing item gets status 6. Other operations are not supported (status 156).

use super::Context;
use crate::eas::folders;
use crate::eas::items::{contact, event};
use crate::eas::wbxml::Element;
use app::backend::sync::{self, Contacts, Events};
use app::backend::Error;
use app::domain::model::folders::FolderKind;

fn leaf(tag: &str, text: impl Into<String>) -> Element {
    Element::leaf("ItemOperations", tag, text)
}

pub async fn handle(cx: &Context<'_, '_>, request: &Element) -> Result<Element, Error> {
    let mut response = Element::new("ItemOperations", "Response");
    for op in request.elements() {
        if !op.is("ItemOperations", "Fetch") {
            // EmptyFolderContents, Move: nothing here to empty or move.
            response =
                response.child(Element::new("ItemOperations", "Move").child(leaf("Status", "156")));
            continue;
        }
        let id = op.get_text("AirSync", "CollectionId").unwrap_or_default();
        let server_id = op.get_text("AirSync", "ServerId").unwrap_or_default();
        let folder = folders::find(cx.user, id);
        let item = match folder.and_then(|f| f.kind) {
            Some(FolderKind::Contacts) => sync::fetch::<Contacts>(cx.state, cx.user.id, server_id)
                .await?
                .map(|c| contact::write(&c, &cx.user.time_zone)),
            Some(FolderKind::Calendar) => sync::fetch::<Events>(cx.state, cx.user.id, server_id)
                .await?
                .map(|e| event::write(&e, &super::sync::dialect(cx))),
            None => None,
        };
        let mut fetch = Element::new("ItemOperations", "Fetch");
        match (item, folder) {
            (Some(fields), Some(folder)) => {
                let properties = fields
                    .into_iter()
                    .fold(Element::new("ItemOperations", "Properties"), Element::child);
                fetch = fetch
                    .child(leaf("Status", "1"))
                    .child(Element::leaf("AirSync", "CollectionId", id))
                    .child(Element::leaf("AirSync", "ServerId", server_id))
                    .child(Element::leaf("AirSync", "Class", folder.class))
                    .child(properties);
            }
            _ => {
                fetch = fetch
                    .child(leaf("Status", "6"))
                    .child(Element::leaf("AirSync", "CollectionId", id))
                    .child(Element::leaf("AirSync", "ServerId", server_id));
            }
        }
        response = response.child(fetch);
    }
    Ok(Element::new("ItemOperations", "ItemOperations")
        .child(leaf("Status", "1"))
        .child(response))
}
