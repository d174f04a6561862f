//! FolderSync (MS-ASCMD 2.2.1.5): the user's Contacts and Calendar as far as "Sync with my
//! devices" has them on, and the empty mail folders, in the user's language. A device that
//! syncs its hierarchy again is told what was turned on (Add) or off (Delete) since, and
//! forgets the sync state of what it lost.

use super::Context;
use crate::eas::folders;
use crate::eas::wbxml::Element;
use app::backend::activesync::door;
use app::backend::sync;
use app::backend::Error;
use app::domain::folder_hierarchy;
use app::i18n::Lang;

fn leaf(tag: &str, text: impl Into<String>) -> Element {
    Element::leaf("FolderHierarchy", tag, text)
}

pub async fn handle(cx: &Context<'_, '_>, request: &Element) -> Result<Element, Error> {
    let device = cx.device;
    let key = request
        .get_text("FolderHierarchy", "SyncKey")
        .unwrap_or("0");
    let current = device.folder_sync_key.to_string();
    let offered = folders::offered(cx.user);
    let ids: Vec<&str> = offered.iter().map(|f| f.id).collect();
    let known = if key == "0" {
        Vec::new()
    } else if key == current {
        folder_hierarchy::parse(&device.folders_offered)
    } else {
        // Status 9: the sync key is not the one we gave; the device starts again from 0.
        return Ok(super::status("FolderHierarchy", "FolderSync", "9"));
    };
    let (adds, deletes) = folder_hierarchy::changes(&known, &ids);
    let next = if key != "0" && adds.is_empty() && deletes.is_empty() {
        device.folder_sync_key
    } else {
        let next = device.folder_sync_key + 1;
        door::set_folder_sync_key(cx.state, device, next, &ids).await?;
        sync::keep_only(cx.state, device.id, &ids).await?;
        next
    };
    let italian = cx.user.language.unwrap_or_default() == Lang::It;
    let mut changes = Element::new("FolderHierarchy", "Changes")
        .child(leaf("Count", (adds.len() + deletes.len()).to_string()));
    for id in deletes {
        changes =
            changes.child(Element::new("FolderHierarchy", "Delete").child(leaf("ServerId", id)));
    }
    for f in offered.iter().filter(|f| adds.contains(&f.id)) {
        changes = changes.child(
            Element::new("FolderHierarchy", "Add")
                .child(leaf("ServerId", f.id))
                .child(leaf("ParentId", "0"))
                .child(leaf(
                    "DisplayName",
                    if italian { f.italian } else { f.english },
                ))
                .child(leaf("Type", f.type_)),
        );
    }
    Ok(Element::new("FolderHierarchy", "FolderSync")
        .child(leaf("Status", "1"))
        .child(leaf("SyncKey", next.to_string()))
        .child(changes))
}
