//! The commands the door answers so far: Provision (MS-ASPROV, two steps and a permissive
//! policy), FolderSync (the user's Contacts and Calendar) and Settings (device information).

use super::wbxml::Element;
use app::backend::state::AppState;
use app::backend::store::devices::{self, DeviceRow};
use app::backend::store::users::UserRecord;
use app::i18n::Lang;
use rand::Rng;

pub const POLICY_TYPE: &str = "MS-EAS-Provisioning-WBXML";
/// FolderSync / Provision status: the device must provision first (MS-ASCMD, 14.0 and later).
pub const NEEDS_PROVISION: &str = "142";

/// The folders every user has: (server id, type of MS-ASCMD 2.2.3.186.3, English, Italian).
pub const FOLDERS: &[(&str, &str, &str, &str)] = &[
    ("contacts", "9", "Contacts", "Contatti"),
    ("calendar", "8", "Calendar", "Calendario"),
];

fn new_policy_key() -> String {
    rand::rngs::OsRng.gen_range(1..=u32::MAX).to_string()
}

/// Whether the device presents the key it acknowledged.
pub fn is_provisioned(device: &DeviceRow, presented: Option<&str>) -> bool {
    device.policy_acknowledged && presented.is_some() && device.policy_key.as_deref() == presented
}

fn permissive_policy() -> Element {
    let mut doc = Element::new("Provision", "EASProvisionDoc");
    for (tag, value) in [
        ("DevicePasswordEnabled", "0"),
        ("AlphanumericDevicePasswordRequired", "0"),
        ("PasswordRecoveryEnabled", "0"),
        ("RequireStorageCardEncryption", "0"),
        ("AttachmentsEnabled", "1"),
        ("AllowSimpleDevicePassword", "1"),
        ("AllowStorageCard", "1"),
        ("AllowCamera", "1"),
        ("RequireDeviceEncryption", "0"),
        ("AllowWiFi", "1"),
        ("AllowTextMessaging", "1"),
        ("AllowPOPIMAPEmail", "1"),
        ("AllowBluetooth", "2"),
        ("AllowIrDA", "1"),
        ("AllowDesktopSync", "1"),
        ("AllowHTMLEmail", "1"),
        ("AllowBrowser", "1"),
        ("AllowConsumerEmail", "1"),
        ("AllowInternetSharing", "1"),
    ] {
        doc = doc.child(Element::leaf("Provision", tag, value));
    }
    doc
}

/// Stores what a `Settings:DeviceInformation` block says about the device.
async fn store_device_information(
    state: &AppState,
    device: &DeviceRow,
    info: &Element,
) -> Result<(), sqlx::Error> {
    let Some(set) = info.get("Settings", "Set") else {
        return Ok(());
    };
    let field = |tag| {
        set.get_text("Settings", tag)
            .unwrap_or("")
            .chars()
            .take(200)
            .collect::<String>()
    };
    devices::set_information(
        &state.pool,
        device.id,
        &field("Model"),
        &field("FriendlyName"),
        &field("OS"),
        &field("UserAgent"),
    )
    .await
}

pub async fn provision(
    state: &AppState,
    device: &DeviceRow,
    request: &Element,
) -> Result<Element, sqlx::Error> {
    let mut response = Element::new("Provision", "Provision");
    if let Some(info) = request.get("Settings", "DeviceInformation") {
        store_device_information(state, device, info).await?;
        response = response.child(
            Element::new("Settings", "DeviceInformation")
                .child(Element::leaf("Settings", "Status", "1")),
        );
    }
    let policy = request
        .get("Provision", "Policies")
        .and_then(|p| p.get("Provision", "Policy"));
    let Some(policy) = policy else {
        // A remote wipe acknowledgement or an empty request: nothing to grant.
        return Ok(response.child(Element::leaf("Provision", "Status", "1")));
    };
    if policy.get_text("Provision", "PolicyType") != Some(POLICY_TYPE) {
        // Status 2 of the Policy element: policy type not available.
        return Ok(response
            .child(Element::leaf("Provision", "Status", "1"))
            .child(
                Element::new("Provision", "Policies").child(
                    Element::new("Provision", "Policy")
                        .child(Element::leaf(
                            "Provision",
                            "PolicyType",
                            policy.get_text("Provision", "PolicyType").unwrap_or(""),
                        ))
                        .child(Element::leaf("Provision", "Status", "2")),
                ),
            ));
    }
    let acknowledged = policy.get_text("Provision", "PolicyKey");
    let (key, status, with_doc) = match acknowledged {
        // Step 1: a temporary key with the policy to apply.
        None => {
            let key = new_policy_key();
            devices::set_policy(&state.pool, device.id, &key, false).await?;
            (key, "1", true)
        }
        // Step 2: the device acknowledges the temporary key; the final key is granted.
        Some(temp) if device.policy_key.as_deref() == Some(temp) => {
            let key = new_policy_key();
            devices::set_policy(&state.pool, device.id, &key, true).await?;
            (key, "1", false)
        }
        // Not the key we handed out: start over.
        Some(_) => (String::new(), "5", false),
    };
    let mut p = Element::new("Provision", "Policy")
        .child(Element::leaf("Provision", "PolicyType", POLICY_TYPE))
        .child(Element::leaf("Provision", "Status", status));
    if !key.is_empty() {
        p = p.child(Element::leaf("Provision", "PolicyKey", key));
    }
    if with_doc {
        p = p.child(Element::new("Provision", "Data").child(permissive_policy()));
    }
    Ok(response
        .child(Element::leaf("Provision", "Status", "1"))
        .child(Element::new("Provision", "Policies").child(p)))
}

fn status(page: &str, command: &str, value: &str) -> Element {
    Element::new(page, command).child(Element::leaf(page, "Status", value))
}

pub fn needs_provision(command: &str) -> Element {
    match command {
        "FolderSync" => status("FolderHierarchy", "FolderSync", NEEDS_PROVISION),
        "Settings" => status("Settings", "Settings", NEEDS_PROVISION),
        _ => status("Provision", "Provision", NEEDS_PROVISION),
    }
}

pub async fn folder_sync(
    state: &AppState,
    user: &UserRecord,
    device: &DeviceRow,
    request: &Element,
) -> Result<Element, sqlx::Error> {
    let key = request
        .get_text("FolderHierarchy", "SyncKey")
        .unwrap_or("0");
    let current = device.folder_sync_key.to_string();
    if key == "0" {
        let next = device.folder_sync_key + 1;
        devices::set_folder_sync_key(&state.pool, device.id, next).await?;
        let italian = user.language.unwrap_or_default() == Lang::It;
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
    Ok(status("FolderHierarchy", "FolderSync", "9"))
}

pub async fn settings(
    state: &AppState,
    user: &UserRecord,
    device: &DeviceRow,
    request: &Element,
) -> Result<Element, sqlx::Error> {
    let mut response =
        Element::new("Settings", "Settings").child(Element::leaf("Settings", "Status", "1"));
    if let Some(info) = request.get("Settings", "DeviceInformation") {
        store_device_information(state, device, info).await?;
        response = response.child(
            Element::new("Settings", "DeviceInformation")
                .child(Element::leaf("Settings", "Status", "1")),
        );
    }
    if request.get("Settings", "UserInformation").is_some() {
        let mut addresses = Element::new("Settings", "EmailAddresses");
        if !user.email.is_empty() {
            addresses =
                addresses.child(Element::leaf("Settings", "SmtpAddress", user.email.clone()));
        }
        response = response.child(
            Element::new("Settings", "UserInformation")
                .child(Element::leaf("Settings", "Status", "1"))
                .child(Element::new("Settings", "Get").child(addresses)),
        );
    }
    if request.get("Settings", "Oof").is_some() {
        // No out-of-office here: reported as off.
        response = response.child(
            Element::new("Settings", "Oof")
                .child(Element::leaf("Settings", "Status", "1"))
                .child(
                    Element::new("Settings", "Get")
                        .child(Element::leaf("Settings", "OofState", "0")),
                ),
        );
    }
    Ok(response)
}
