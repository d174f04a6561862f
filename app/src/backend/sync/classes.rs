//! What the engine syncs, class by class: how a class's items are read and written in their
//! folder. Contacts now; the calendar joins with its own `Class`; the folders phones insist on
//! (mail, and the calendar until then) are `Empty`.

use crate::backend::pim::contacts::new_uid;
use crate::backend::store::pim::{contacts, FolderKind};
use crate::backend::store::Connection;
use crate::domain::messages::Msg;
use crate::domain::model::contacts::Contact;

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
