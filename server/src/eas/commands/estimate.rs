//! GetItemEstimate (MS-ASCMD 2.2.1.9): how many changes the next Syncs of each collection
//! bring, in the 14.x and 16.x request shapes (the key is AirSync's, `Class` and `FilterType`
//! may sit in the collection or in its `Options`). Status 2: not a folder the device gets;
//! 3: not synced yet; 4: a key the device does not hold.

use super::Context;
use crate::eas::folders;
use crate::eas::wbxml::Element;
use app::backend::sync::{self, Contacts, Empty, Estimate, Events, Target};
use app::backend::Error;
use app::domain::model::folders::FolderKind;

fn response(status: &str, id: &str, estimate: Option<usize>) -> Element {
    let mut collection = Element::new("GetItemEstimate", "Collection").child(Element::leaf(
        "GetItemEstimate",
        "CollectionId",
        id,
    ));
    if let Some(n) = estimate {
        collection = collection.child(Element::leaf("GetItemEstimate", "Estimate", n.to_string()));
    }
    Element::new("GetItemEstimate", "Response")
        .child(Element::leaf("GetItemEstimate", "Status", status))
        .child(collection)
}

pub async fn handle(cx: &Context<'_, '_>, request: &Element) -> Result<Element, Error> {
    let mut answer = Element::new("GetItemEstimate", "GetItemEstimate");
    let Some(collections) = request.get("GetItemEstimate", "Collections") else {
        return Ok(answer.child(Element::leaf("GetItemEstimate", "Status", "2")));
    };
    for c in collections.elements() {
        let id = c
            .get_text("GetItemEstimate", "CollectionId")
            .unwrap_or_default();
        let key = c
            .get_text("AirSync", "SyncKey")
            .or(c.get_text("GetItemEstimate", "SyncKey"))
            .unwrap_or("0");
        let Some(folder) = folders::find(cx.user, id) else {
            answer = answer.child(response("2", id, None));
            continue;
        };
        let target = Target {
            user: cx.user.id,
            device: cx.device.id,
            collection: folder.id,
        };
        let estimate = match folder.kind {
            Some(FolderKind::Contacts) => sync::estimate::<Contacts>(cx.state, target, key).await?,
            Some(FolderKind::Calendar) => sync::estimate::<Events>(cx.state, target, key).await?,
            None => sync::estimate::<Empty>(cx.state, target, key).await?,
        };
        answer = answer.child(match estimate {
            Estimate::Count(n) => response("1", id, Some(n)),
            Estimate::NotPrimed => response("3", id, None),
            Estimate::InvalidKey => response("4", id, None),
        });
    }
    Ok(answer)
}
