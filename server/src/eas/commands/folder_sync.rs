//! FolderSync (MS-ASCMD 2.2.1.5): the user's Contacts and Calendar, in their language.

use super::Context;
use crate::eas::wbxml::Element;
use app::backend::activesync::door;
use app::backend::Error;
use app::i18n::Lang;

/// The folders every user has: (server id, type of MS-ASCMD 2.2.3.186.3, English, Italian).
pub const FOLDERS: &[(&str, &str, &str, &str)] = &[
    ("contacts", "9", "Contacts", "Contatti"),
    ("calendar", "8", "Calendar", "Calendario"),
];

pub async fn handle(cx: &Context<'_>, request: &Element) -> Result<Element, Error> {
    let device = cx.device;
    let key = request
        .get_text("FolderHierarchy", "SyncKey")
        .unwrap_or("0");
    let current = device.folder_sync_key.to_string();
    if key == "0" {
        let next = device.folder_sync_key + 1;
        door::set_folder_sync_key(cx.state, device, next).await?;
        let italian = cx.user.language.unwrap_or_default() == Lang::It;
        let mut changes = Element::new("FolderHierarchy", "Changes").child(Element::leaf(
            "FolderHierarchy",
            "Count",
            FOLDERS.len().to_string(),
        ));
        for (id, kind, en, it) in FOLDERS {
            changes = changes.child(
                Element::new("FolderHierarchy", "Add")
                    .child(Element::leaf("FolderHierarchy", "ServerId", *id))
                    .child(Element::leaf("FolderHierarchy", "ParentId", "0"))
                    .child(Element::leaf(
                        "FolderHierarchy",
                        "DisplayName",
                        if italian { *it } else { *en },
                    ))
                    .child(Element::leaf("FolderHierarchy", "Type", *kind)),
            );
        }
        return Ok(Element::new("FolderHierarchy", "FolderSync")
            .child(Element::leaf("FolderHierarchy", "Status", "1"))
            .child(Element::leaf(
                "FolderHierarchy",
                "SyncKey",
                next.to_string(),
            ))
            .child(changes));
    }
    if key == current {
        return Ok(Element::new("FolderHierarchy", "FolderSync")
            .child(Element::leaf("FolderHierarchy", "Status", "1"))
            .child(Element::leaf("FolderHierarchy", "SyncKey", current))
            .child(
                Element::new("FolderHierarchy", "Changes").child(Element::leaf(
                    "FolderHierarchy",
                    "Count",
                    "0",
                )),
            ));
    }
    // Status 9: the sync key is not the one we gave; the device starts again from 0.
    Ok(super::status("FolderHierarchy", "FolderSync", "9"))
}
