//! The commands the door answers, one file each, and the one match that dispatches them.

pub mod estimate;
pub mod folder_sync;
pub mod harmless;
pub mod item_operations;
pub mod meeting_response;
pub mod ping;
pub mod provision;
pub mod send_mail;
pub mod settings;
pub mod sync;

use super::exchange::{Command, Exchange};
use super::wbxml::Element;
use app::backend::activesync::door::DeviceState;
use app::backend::identity::UserRecord;
use app::backend::state::AppState;
use app::backend::Error;
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// FolderSync / Provision status: the device must provision first (MS-ASCMD, 14.0 and later).
pub const NEEDS_PROVISION: &str = "142";

/// What a command is answered with: the server's (`'s`), and who asks, from which device, in
/// which request (`'r`: gone before a Ping waits).
pub struct Context<'s, 'r> {
    pub state: &'s AppState,
    pub user: &'r UserRecord,
    pub device: &'r DeviceState,
    pub exchange: &'r Exchange,
    /// The device's waiting Pings (a newer one ends the older).
    pub waiting: &'s ping::Waiting,
    /// The request's place among those worked on at once (a long-poll Sync gives it back).
    pub place: &'r Place,
}

/// A request's place among those the door works on at once (`door::PLACES`): taken once it
/// has signed in; a request that waits (a Ping, a long-poll Sync) gives it back while it waits
/// and takes one again to look for changes.
pub struct Place {
    places: Arc<Semaphore>,
    held: std::sync::Mutex<Option<OwnedSemaphorePermit>>,
}

impl Place {
    /// Waits for a place.
    pub async fn take(places: &Arc<Semaphore>) -> Place {
        let place = Place {
            places: places.clone(),
            held: std::sync::Mutex::new(None),
        };
        place.take_again().await;
        place
    }

    /// Waits for a place again, unless one is held.
    pub async fn take_again(&self) {
        if self.held().is_some() {
            return;
        }
        // `Err` only if the semaphore were closed, which the door never does: the request
        // goes on without a place then rather than fail.
        let permit = self.places.clone().acquire_owned().await.ok();
        *self.held() = permit;
    }

    /// Gives the place back to the requests waiting for one.
    pub fn give_back(&self) {
        self.held().take();
    }

    fn held(&self) -> std::sync::MutexGuard<'_, Option<OwnedSemaphorePermit>> {
        // The permit stays right if a holder panicked: keep using it.
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A command's answer.
pub enum Reply<'s> {
    /// Answered now (`None`: an empty 200).
    Now(Option<Element>),
    /// A Ping that waits: answered by `Pending::answer`, once the request's state is let go.
    Wait(ping::Pending<'s>),
}

/// Answers one command. `document` is `None` only for the commands that may come without a
/// body. A device that must provision first is told so (status 142).
pub async fn dispatch<'s>(
    cx: &Context<'s, '_>,
    command: Command,
    document: Option<&Element>,
) -> Result<Reply<'s>, Error> {
    let provisioned = provision::is_provisioned(cx.device, cx.exchange.policy_key.as_deref());
    if !provisioned && !matches!(command, Command::Provision | Command::Settings) {
        return Ok(Reply::Now(Some(needs_provision(command))));
    }
    let empty = Element::new("AirSync", "Sync");
    let body = document.unwrap_or(&empty);
    // Each command's future is boxed: inline, every request (a Ping waiting for an hour among
    // them) would hold room for the largest command's state, Sync's.
    Ok(Reply::Now(Some(match command {
        Command::Provision => Box::pin(provision::handle(cx, body)).await?,
        Command::FolderSync => Box::pin(folder_sync::handle(cx, body)).await?,
        Command::Settings => Box::pin(settings::handle(cx, body)).await?,
        Command::Sync => return Box::pin(sync::handle(cx, document)).await.map(Reply::Now),
        Command::Ping => return Box::pin(ping::handle(cx, document)).await,
        Command::GetItemEstimate => Box::pin(estimate::handle(cx, body)).await?,
        Command::ItemOperations => Box::pin(item_operations::handle(cx, body)).await?,
        Command::Search => Box::pin(harmless::search(cx, body)).await?,
        Command::ResolveRecipients => Box::pin(harmless::resolve_recipients(cx, body)).await?,
        Command::MoveItems => harmless::move_items(cx, body),
        Command::ValidateCert => harmless::validate_cert(),
        Command::MeetingResponse => Box::pin(meeting_response::handle(cx, body)).await?,
        Command::SendMail => return Box::pin(send_mail::handle(cx, body)).await.map(Reply::Now),
        Command::SmartReply | Command::SmartForward => harmless::compose(command.name()),
    })))
}

pub(super) fn status(page: &str, command: &str, value: &str) -> Element {
    Element::new(page, command).child(Element::leaf(page, "Status", value))
}

/// The command's own root element with status 142.
pub fn needs_provision(command: Command) -> Element {
    let (page, root) = match command {
        Command::FolderSync => ("FolderHierarchy", "FolderSync"),
        Command::Settings => ("Settings", "Settings"),
        Command::Provision => ("Provision", "Provision"),
        Command::Sync => ("AirSync", "Sync"),
        Command::Ping => ("Ping", "Ping"),
        Command::GetItemEstimate => ("GetItemEstimate", "GetItemEstimate"),
        Command::ItemOperations => ("ItemOperations", "ItemOperations"),
        Command::Search => ("Search", "Search"),
        Command::ResolveRecipients => ("ResolveRecipients", "ResolveRecipients"),
        Command::MoveItems => ("Move", "MoveItems"),
        Command::ValidateCert => ("ValidateCert", "ValidateCert"),
        Command::MeetingResponse => ("MeetingResponse", "MeetingResponse"),
        Command::SendMail | Command::SmartReply | Command::SmartForward => {
            ("ComposeMail", command.name())
        }
    };
    status(page, root, NEEDS_PROVISION)
}
