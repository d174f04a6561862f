//! Settings (MS-ASCMD 2.2.1.18): what the device says about itself, the user's addresses,
//! and out-of-office (reported off).

use super::Context;
use crate::eas::wbxml::Element;
use app::backend::activesync::door::{self, DeviceInformation};
use app::backend::Error;

/// Stores what a `Settings:DeviceInformation` block says about the device.
pub(super) async fn store_device_information(
    cx: &Context<'_, '_>,
    info: &Element,
) -> Result<(), Error> {
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
    let info = DeviceInformation {
        model: field("Model"),
        friendly_name: field("FriendlyName"),
        os: field("OS"),
        user_agent: field("UserAgent"),
    };
    door::set_information(cx.state, cx.device, &info).await
}

pub async fn handle(cx: &Context<'_, '_>, request: &Element) -> Result<Element, Error> {
    let user = cx.user;
    let mut response =
        Element::new("Settings", "Settings").child(Element::leaf("Settings", "Status", "1"));
    if let Some(info) = request.get("Settings", "DeviceInformation") {
        store_device_information(cx, info).await?;
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
