//! The commands the door answers, one file each, and the one match that dispatches them.

pub mod folder_sync;
pub mod provision;
pub mod settings;

use super::exchange::{Command, Exchange};
use super::wbxml::Element;
use app::backend::activesync::door::DeviceState;
use app::backend::identity::UserRecord;
use app::backend::state::AppState;
use app::backend::Error;

/// FolderSync / Provision status: the device must provision first (MS-ASCMD, 14.0 and later).
pub const NEEDS_PROVISION: &str = "142";

/// What a command is answered with: who asks, from which device, in which request.
pub struct Context<'a> {
    pub state: &'a AppState,
    pub user: &'a UserRecord,
    pub device: &'a DeviceState,
    pub exchange: &'a Exchange,
}

/// Answers one command. A device that must provision first is told so (status 142).
pub async fn dispatch(
    cx: &Context<'_>,
    command: Command,
    document: &Element,
) -> Result<Element, Error> {
    let provisioned = || provision::is_provisioned(cx.device, cx.exchange.policy_key.as_deref());
    match command {
        Command::Provision => provision::handle(cx, document).await,
        Command::FolderSync if !provisioned() => Ok(needs_provision(command)),
        Command::FolderSync => folder_sync::handle(cx, document).await,
        Command::Settings => settings::handle(cx, document).await,
    }
}

pub(super) fn status(page: &str, command: &str, value: &str) -> Element {
    Element::new(page, command).child(Element::leaf(page, "Status", value))
}

pub fn needs_provision(command: Command) -> Element {
    match command {
        Command::FolderSync => status("FolderHierarchy", "FolderSync", NEEDS_PROVISION),
        Command::Settings => status("Settings", "Settings", NEEDS_PROVISION),
        Command::Provision => status("Provision", "Provision", NEEDS_PROVISION),
    }
}
