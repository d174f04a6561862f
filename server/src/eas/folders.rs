//! The folders the door offers a device: the user's Contacts and Calendar as far as "Sync
//! with my devices" has them on, and the empty mail folders phones insist on (some Android
//! clients reset an account without an Inbox).

use app::backend::identity::UserRecord;
use app::backend::pim::sync_choice;
use app::domain::model::folders::FolderKind;

/// A folder as FolderSync names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DoorFolder {
    /// The server id (also what Sync and Ping name it by).
    pub id: &'static str,
    /// MS-ASCMD 2.2.3.186.3.
    pub type_: &'static str,
    /// The AirSync class of its items.
    pub class: &'static str,
    pub english: &'static str,
    pub italian: &'static str,
    /// What the folder holds: `None` for the mail folders (always empty).
    pub kind: Option<FolderKind>,
}

const fn mail(
    id: &'static str,
    type_: &'static str,
    english: &'static str,
    italian: &'static str,
) -> DoorFolder {
    DoorFolder {
        id,
        type_,
        class: "Email",
        english,
        italian,
        kind: None,
    }
}

pub const MAIL: [DoorFolder; 5] = [
    mail("inbox", "2", "Inbox", "Posta in arrivo"),
    mail("drafts", "3", "Drafts", "Bozze"),
    mail("deleted", "4", "Deleted Items", "Posta eliminata"),
    mail("sent", "5", "Sent Items", "Posta inviata"),
    mail("outbox", "6", "Outbox", "Posta in uscita"),
];

pub fn of_kind(kind: FolderKind) -> DoorFolder {
    match kind {
        FolderKind::Contacts => DoorFolder {
            id: kind.code(),
            type_: "9",
            class: "Contacts",
            english: "Contacts",
            italian: "Contatti",
            kind: Some(kind),
        },
        FolderKind::Calendar => DoorFolder {
            id: kind.code(),
            type_: "8",
            class: "Calendar",
            english: "Calendar",
            italian: "Calendario",
            kind: Some(kind),
        },
    }
}

/// What the user's devices get now, in FolderSync order.
pub fn offered(user: &UserRecord) -> Vec<DoorFolder> {
    sync_choice::offered(user)
        .into_iter()
        .map(of_kind)
        .chain(MAIL)
        .collect()
}

/// The offered folder with this server id, if the user's devices get it now.
pub fn find(user: &UserRecord, id: &str) -> Option<DoorFolder> {
    offered(user).into_iter().find(|f| f.id == id)
}
