//! The signed-in user's contacts: every operation is on the caller's own default Contacts
//! folder (no function takes another user's folder), validated before anything is written,
//! and announced to the user's waiting phones after it committed.

use super::change_folder;
use crate::backend::error::Error;
use crate::backend::state::AppState;
use crate::backend::store::pim::{contacts as store, folders, FolderKind, FolderRow};
use crate::domain::ids::UserId;
use crate::domain::model::contacts::{Contact, ContactPage, ContactSummary, ContactView};

/// The most a page of the list holds.
pub const PAGE_MAX: i64 = 200;

async fn folder(state: &AppState, user: UserId) -> Result<FolderRow, Error> {
    folders::default_folder(&state.pool, user, FolderKind::Contacts, state.now())
        .await
        .map_err(Error::internal)
}

/// The first wrong field (the form shows each beside its field; the server reports one).
fn checked(c: Contact) -> Result<Contact, Error> {
    c.normalised().map_err(|errors| match errors.first() {
        Some(&(field, msg)) => Error::Invalid { field, msg },
        None => Error::internal("a contact refused without a reason"),
    })
}

/// A new random UID (what phones and vCard files name the contact by).
pub fn new_uid() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub async fn create(state: &AppState, user: UserId, contact: Contact) -> Result<i64, Error> {
    let contact = checked(contact)?;
    let f = folder(state, user).await?;
    let now = state.now();
    change_folder(state, user, f.id, async |db| {
        store::insert(db, f.id, &new_uid(), &contact, now)
            .await
            .map(Some)
    })
    .await?
    .ok_or_else(|| Error::internal("a new random UID was already taken"))
}

pub async fn update(
    state: &AppState,
    user: UserId,
    id: i64,
    contact: Contact,
) -> Result<(), Error> {
    let contact = checked(contact)?;
    let f = folder(state, user).await?;
    let now = state.now();
    change_folder(state, user, f.id, async |db| {
        Ok(store::update(db, f.id, id, &contact, now)
            .await?
            .then_some(()))
    })
    .await
}

pub async fn delete(state: &AppState, user: UserId, id: i64) -> Result<(), Error> {
    let f = folder(state, user).await?;
    let now = state.now();
    change_folder(state, user, f.id, async |db| {
        Ok(store::delete(db, f.id, id, now).await?.then_some(()))
    })
    .await
}

pub async fn get(state: &AppState, user: UserId, id: i64) -> Result<ContactView, Error> {
    let f = folder(state, user).await?;
    store::get(&state.pool, f.id, id)
        .await
        .map_err(Error::internal)?
        .and_then(|row| {
            row.contact().map(|contact| ContactView {
                contact,
                has_picture: row.has_picture != 0,
            })
        })
        .ok_or(Error::NotFound)
}

/// Sets the contact's picture from an uploaded image (resized, re-encoded: `picture`), or
/// removes it (`None`).
pub async fn set_picture(
    state: &AppState,
    user: UserId,
    id: i64,
    upload: Option<&[u8]>,
) -> Result<(), Error> {
    let jpeg = match upload {
        Some(bytes) => Some(
            super::picture::normalise(bytes).map_err(|msg| Error::Invalid {
                field: "picture",
                msg,
            })?,
        ),
        None => None,
    };
    let f = folder(state, user).await?;
    let now = state.now();
    change_folder(state, user, f.id, async |db| {
        Ok(store::set_picture(db, f.id, id, jpeg.as_deref(), now)
            .await?
            .then_some(()))
    })
    .await
}

/// The contact's picture (JPEG), if it has one.
pub async fn picture(state: &AppState, user: UserId, id: i64) -> Result<Option<Vec<u8>>, Error> {
    let f = folder(state, user).await?;
    store::picture(&state.pool, f.id, id)
        .await
        .map_err(Error::internal)?
        .ok_or(Error::NotFound)
}

/// A page of the user's contacts in name order, filtered by `search` (every word must match).
pub async fn list(
    state: &AppState,
    user: UserId,
    search: &str,
    offset: i64,
    limit: i64,
) -> Result<ContactPage, Error> {
    let f = folder(state, user).await?;
    let offset = offset.max(0);
    let (rows, total) = store::page(
        &state.pool,
        f.id,
        search,
        offset.max(0),
        limit.clamp(1, PAGE_MAX),
    )
    .await
    .map_err(Error::internal)?;
    let contacts = rows
        .iter()
        .filter_map(|row| {
            let c = row.contact()?;
            Some(ContactSummary {
                id: row.id,
                name: c.display_name(),
                company: c.company.clone(),
                email: c.emails.first().cloned().unwrap_or_default(),
                phone: c
                    .phones
                    .first()
                    .map(|p| p.number.clone())
                    .unwrap_or_default(),
            })
        })
        .collect();
    Ok(ContactPage {
        contacts,
        total,
        offset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::pim::test_support::state;
    use crate::domain::messages::Msg;

    fn carla() -> Contact {
        Contact {
            first_name: "Carla".into(),
            last_name: "Rossi".into(),
            ..Contact::default()
        }
    }

    #[tokio::test]
    async fn a_change_is_announced_once_after_it_committed_and_a_refused_one_not_at_all() {
        let (_d, state, anna, _) = state().await;
        let mut phone = state.folders.subscribe(anna);
        let id = create(&state, anna, carla()).await.unwrap();
        assert!(phone.has_changed().unwrap());
        let tick = *phone.borrow_and_update();
        assert_eq!(tick.count, 1, "announced once");

        let refused = update(&state, anna, id, Contact::default()).await;
        assert!(matches!(
            refused,
            Err(Error::Invalid {
                field: "first_name",
                msg: Msg::ContactNeedsName
            })
        ));
        assert!(
            !phone.has_changed().unwrap(),
            "nothing written, nothing announced"
        );
        assert_eq!(
            get(&state, anna, id).await.unwrap().contact.first_name,
            "Carla",
            "unchanged"
        );

        delete(&state, anna, id).await.unwrap();
        assert_eq!(phone.borrow_and_update().count, 2);
        assert!(matches!(
            delete(&state, anna, id).await,
            Err(Error::NotFound)
        ));
        assert!(!phone.has_changed().unwrap());
    }

    #[tokio::test]
    async fn no_one_reaches_another_users_contacts() {
        let (_d, state, anna, bob) = state().await;
        let id = create(&state, anna, carla()).await.unwrap();
        assert!(matches!(get(&state, bob, id).await, Err(Error::NotFound)));
        assert!(matches!(
            update(&state, bob, id, carla()).await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            delete(&state, bob, id).await,
            Err(Error::NotFound)
        ));
        assert_eq!(list(&state, bob, "", 0, 50).await.unwrap().total, 0);
        let page = list(&state, anna, "carla", 0, 50).await.unwrap();
        assert_eq!(page.total, 1);
        assert_eq!(page.contacts[0].name, "Carla Rossi");
    }

    #[tokio::test]
    async fn a_picture_is_stored_resized_synced_and_private() {
        let (_d, state, anna, bob) = state().await;
        let id = create(&state, anna, carla()).await.unwrap();
        let mut phone = state.folders.subscribe(anna);
        let mut png = Vec::new();
        image::DynamicImage::ImageRgb8(image::RgbImage::new(900, 900))
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        assert!(!get(&state, anna, id).await.unwrap().has_picture);
        set_picture(&state, anna, id, Some(&png)).await.unwrap();
        assert_eq!(phone.borrow_and_update().count, 1, "phones hear of it");
        let jpeg = picture(&state, anna, id).await.unwrap().unwrap();
        assert_eq!(image::load_from_memory(&jpeg).unwrap().width(), 256);
        assert!(get(&state, anna, id).await.unwrap().has_picture);
        // Bob can neither read nor change it; a file that is no picture changes nothing.
        assert!(matches!(
            picture(&state, bob, id).await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            set_picture(&state, bob, id, None).await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            set_picture(&state, anna, id, Some(b"not a picture")).await,
            Err(Error::Invalid {
                field: "picture",
                msg: Msg::PictureFormat
            })
        ));
        assert!(!phone.has_changed().unwrap());
        assert_eq!(picture(&state, anna, id).await.unwrap(), Some(jpeg));
        set_picture(&state, anna, id, None).await.unwrap();
        assert_eq!(picture(&state, anna, id).await.unwrap(), None);
    }
}
