//! What the engine syncs, class by class: how a class's items are read and written in their
//! folder. Contacts and the calendar; the mail folders phones insist on are `Empty`.

use crate::backend::error::Error;
use crate::backend::pim::contacts::new_uid;
use crate::backend::pim::{calendar, invitations, recurrence};
use crate::backend::state::AppState;
use crate::backend::store::pim::{contacts, events, FolderKind};
use crate::backend::store::Connection;
use crate::domain::ids::UserId;
use crate::domain::messages::Msg;
use crate::domain::model::calendar::{Event, Exception};
use crate::domain::model::contacts::Contact;
use std::collections::BTreeSet;

/// A class of items the engine syncs.
#[allow(async_fn_in_trait)]
pub trait Class {
    type Item: Send;
    /// The folder the items live in; `None`: a folder that is always empty.
    const KIND: Option<FolderKind>;

    /// The items of the folder with these ids (missing ones left out).
    async fn load(
        db: &mut Connection,
        folder: i64,
        ids: &[i64],
    ) -> Result<Vec<(i64, Self::Item)>, sqlx::Error>;
    /// The item checked as the console would check it.
    fn checked(item: Self::Item) -> Result<Self::Item, Msg>;
    async fn add(
        db: &mut Connection,
        folder: i64,
        item: &Self::Item,
        now: i64,
    ) -> Result<i64, sqlx::Error>;
    /// `false` if there is no such item.
    async fn replace(
        db: &mut Connection,
        folder: i64,
        id: i64,
        item: &Self::Item,
        now: i64,
    ) -> Result<bool, sqlx::Error>;
    /// `false` if there is no such item.
    async fn remove(
        db: &mut Connection,
        folder: i64,
        id: i64,
        now: i64,
    ) -> Result<bool, sqlx::Error>;
    fn has_picture(_item: &Self::Item) -> bool {
        false
    }
    /// Whether the engine reports what devices changed (`changed`), when the request asks.
    const WATCHES: bool = false;
    /// What a device changed, told after the answer committed (only when `WATCHES`).
    async fn changed(_state: &AppState, _user: UserId, _changes: Vec<Changed<Self::Item>>) {}
    /// The items that ended before `since` (outside a device's time filter); only the calendar
    /// has a time.
    async fn ended_before(
        _db: &mut Connection,
        _folder: i64,
        _since: i64,
    ) -> Result<BTreeSet<i64>, sqlx::Error> {
        Ok(BTreeSet::new())
    }
}

/// An item a device added (`before` empty), changed or deleted (`after` empty), and the
/// folder's sequence number of that change.
pub struct Changed<T> {
    pub before: Option<T>,
    pub after: Option<T>,
    pub seq: i64,
}

/// A contact as a phone has it: the fields and the picture (JPEG).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncedContact {
    pub contact: Contact,
    pub picture: Option<Vec<u8>>,
}

pub struct Contacts;

impl Class for Contacts {
    type Item = SyncedContact;
    const KIND: Option<FolderKind> = Some(FolderKind::Contacts);

    async fn load(
        db: &mut Connection,
        folder: i64,
        ids: &[i64],
    ) -> Result<Vec<(i64, SyncedContact)>, sqlx::Error> {
        Ok(contacts::with_pictures(db, folder, ids)
            .await?
            .into_iter()
            .filter_map(|(id, card, picture)| {
                let contact = serde_json::from_str(&card).ok()?;
                Some((id, SyncedContact { contact, picture }))
            })
            .collect())
    }

    fn checked(item: SyncedContact) -> Result<SyncedContact, Msg> {
        let contact = item
            .contact
            .normalised()
            .map_err(|errors| errors.first().map_or(Msg::Required, |(_, m)| *m))?;
        Ok(SyncedContact {
            contact,
            picture: item.picture,
        })
    }

    async fn add(
        db: &mut Connection,
        folder: i64,
        item: &SyncedContact,
        now: i64,
    ) -> Result<i64, sqlx::Error> {
        let id = contacts::insert(db, folder, &new_uid(), &item.contact, now)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
        if let Some(p) = &item.picture {
            contacts::set_picture(db, folder, id, Some(p), now).await?;
        }
        Ok(id)
    }

    async fn replace(
        db: &mut Connection,
        folder: i64,
        id: i64,
        item: &SyncedContact,
        now: i64,
    ) -> Result<bool, sqlx::Error> {
        contacts::replace(db, folder, id, &item.contact, item.picture.as_deref(), now).await
    }

    async fn remove(
        db: &mut Connection,
        folder: i64,
        id: i64,
        now: i64,
    ) -> Result<bool, sqlx::Error> {
        contacts::delete(db, folder, id, now).await
    }

    fn has_picture(item: &SyncedContact) -> bool {
        item.picture.is_some()
    }
}

/// An event as a phone has it: the series with its exceptions, the UID the server keeps for it
/// and when it last changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncedEvent {
    pub event: Event,
    pub exceptions: Vec<Exception>,
    /// The server's UID. On an add from a phone: the phone's own UID (16.x `ClientUid`, or the
    /// UID an older phone sends), kept when it is free in the folder.
    pub uid: String,
    /// The zone an all-day event is kept with (the user's).
    pub zone: String,
    /// When it last changed (UTC seconds): the `DtStamp` phones are sent.
    pub stamp: i64,
    /// Labels phones give events (not on the console's form, which keeps them).
    pub categories: Vec<String>,
}

pub struct Events;

impl Events {
    /// The exceptions that name an occurrence of the series, one per occurrence (a phone's
    /// exception for a start the rule never has would be a phantom event).
    fn real_exceptions(event: &Event, exceptions: &[Exception]) -> Vec<Exception> {
        if event.rrule.is_none() {
            return Vec::new();
        }
        let mut out: Vec<Exception> = Vec::new();
        for x in exceptions {
            let occurs =
                recurrence::occurrences(event, &[], x.original_start, x.original_start + 1)
                    .is_ok_and(|o| o.iter().any(|o| o.original_start == x.original_start));
            if occurs && !out.iter().any(|y| y.original_start == x.original_start) {
                out.push(x.clone());
            }
        }
        out
    }
}

impl Class for Events {
    type Item = SyncedEvent;
    const KIND: Option<FolderKind> = Some(FolderKind::Calendar);

    async fn load(
        db: &mut Connection,
        folder: i64,
        ids: &[i64],
    ) -> Result<Vec<(i64, SyncedEvent)>, sqlx::Error> {
        Ok(events::with_details(db, folder, ids)
            .await?
            .into_iter()
            .filter_map(|(row, attendees, exceptions)| {
                let event = row.event(attendees)?;
                Some((
                    row.id,
                    SyncedEvent {
                        event,
                        exceptions,
                        categories: serde_json::from_str(&row.categories).unwrap_or_default(),
                        uid: row.uid,
                        zone: row.time_zone,
                        stamp: row.updated_at,
                    },
                ))
            })
            .collect())
    }

    fn checked(item: SyncedEvent) -> Result<SyncedEvent, Msg> {
        let event = calendar::checked(item.event).map_err(|e| match e {
            Error::Invalid { msg, .. } => msg,
            _ => Msg::Required,
        })?;
        for x in &item.exceptions {
            if let Some(changes) = &x.changes {
                let mut one = event.clone();
                one.title = changes.title.clone();
                one.when = changes.when.clone();
                one.rrule = None;
                calendar::checked(one).map_err(|_| Msg::EndBeforeStart)?;
            }
        }
        let exceptions = Self::real_exceptions(&event, &item.exceptions);
        Ok(SyncedEvent {
            event,
            exceptions,
            ..item
        })
    }

    async fn add(
        db: &mut Connection,
        folder: i64,
        item: &SyncedEvent,
        now: i64,
    ) -> Result<i64, sqlx::Error> {
        let range = recurrence::span(&item.event, &item.exceptions)
            .map_err(|_| sqlx::Error::RowNotFound)?;
        let own = item.uid.trim();
        let uid =
            if !own.is_empty() && own.len() <= 255 && !events::uid_taken(db, folder, own).await? {
                own.to_string()
            } else {
                new_uid()
            };
        let id = events::insert(db, folder, &uid, &item.event, &item.zone, range, now)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
        events::replace_exceptions(db, id, &item.exceptions).await?;
        events::set_categories(db, id, &item.categories).await?;
        Ok(id)
    }

    async fn replace(
        db: &mut Connection,
        folder: i64,
        id: i64,
        item: &SyncedEvent,
        now: i64,
    ) -> Result<bool, sqlx::Error> {
        let range = recurrence::span(&item.event, &item.exceptions)
            .map_err(|_| sqlx::Error::RowNotFound)?;
        if !events::update(db, folder, id, &item.event, &item.zone, range, now).await? {
            return Ok(false);
        }
        events::replace_exceptions(db, id, &item.exceptions).await?;
        events::set_categories(db, id, &item.categories).await?;
        Ok(true)
    }

    async fn remove(
        db: &mut Connection,
        folder: i64,
        id: i64,
        now: i64,
    ) -> Result<bool, sqlx::Error> {
        events::delete(db, folder, id, now).await
    }

    async fn ended_before(
        db: &mut Connection,
        folder: i64,
        since: i64,
    ) -> Result<BTreeSet<i64>, sqlx::Error> {
        events::ended_before(db, folder, since).await
    }

    const WATCHES: bool = true;

    /// A 16.x phone's changes mail the attendees as the console's do (older phones send their
    /// own invitations with SendMail).
    async fn changed(state: &AppState, user: UserId, changes: Vec<Changed<SyncedEvent>>) {
        for c in changes {
            let Some(named) = c.after.as_ref().or(c.before.as_ref()) else {
                continue;
            };
            invitations::send(
                state,
                user,
                &named.uid,
                c.seq,
                c.before
                    .as_ref()
                    .map(|b| (&b.event, b.exceptions.as_slice())),
                c.after
                    .as_ref()
                    .map(|a| (&a.event, a.exceptions.as_slice())),
            )
            .await;
        }
    }
}

/// A folder that holds nothing (yet): Sync keys work, every add from a device is refused.
pub struct Empty;

impl Class for Empty {
    type Item = ();
    const KIND: Option<FolderKind> = None;

    async fn load(
        _db: &mut Connection,
        _folder: i64,
        _ids: &[i64],
    ) -> Result<Vec<(i64, ())>, sqlx::Error> {
        Ok(Vec::new())
    }

    fn checked(_item: ()) -> Result<(), Msg> {
        Err(Msg::Required)
    }

    async fn add(
        _db: &mut Connection,
        _folder: i64,
        _item: &(),
        _now: i64,
    ) -> Result<i64, sqlx::Error> {
        Err(sqlx::Error::RowNotFound)
    }

    async fn replace(
        _db: &mut Connection,
        _folder: i64,
        _id: i64,
        _item: &(),
        _now: i64,
    ) -> Result<bool, sqlx::Error> {
        Ok(false)
    }

    async fn remove(
        _db: &mut Connection,
        _folder: i64,
        _id: i64,
        _now: i64,
    ) -> Result<bool, sqlx::Error> {
        Ok(false)
    }
}
