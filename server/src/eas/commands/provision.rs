//! Provision (MS-ASPROV): two steps (a temporary key with the policy, then the final key
//! once acknowledged) and a permissive policy.

use super::{settings, Context};
use crate::eas::wbxml::Element;
use app::backend::activesync::door::{self, DeviceState};
use app::backend::Error;
use rand::Rng;

pub const POLICY_TYPE: &str = "MS-EAS-Provisioning-WBXML";

fn new_policy_key() -> String {
    rand::rngs::OsRng.gen_range(1..=u32::MAX).to_string()
}

/// Whether the device presents the key it acknowledged.
pub fn is_provisioned(device: &DeviceState, presented: Option<&str>) -> bool {
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

pub async fn handle(cx: &Context<'_, '_>, request: &Element) -> Result<Element, Error> {
    let device = cx.device;
    let mut response = Element::new("Provision", "Provision");
    if let Some(info) = request.get("Settings", "DeviceInformation") {
        settings::store_device_information(cx, info).await?;
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
            door::set_policy_key(cx.state, device, &key, false).await?;
            (key, "1", true)
        }
        // Step 2: the device acknowledges the temporary key; the final key is granted.
        Some(temp) if device.policy_key.as_deref() == Some(temp) => {
            let key = new_policy_key();
            door::set_policy_key(cx.state, device, &key, true).await?;
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
