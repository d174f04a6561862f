//! The signed-in user's own contacts. No function takes a user or a folder: the backend works
//! on the caller's own Contacts folder only (admins see none of a user's contacts).

use super::error::AppError;
use crate::domain::model::contacts::{Contact, ContactPage, ContactView};
use leptos::prelude::*;

/// How many contacts a page of the list shows.
pub const PAGE_SIZE: i64 = 50;

/// A page of the list in name order; every word of `search` must match.
#[server(endpoint = "contacts/list")]
pub async fn list_contacts(search: String, offset: i64) -> Result<ContactPage, AppError> {
    use crate::api::context::Request;
    use crate::backend::pim::contacts;
    let rq = Request::extract().await?;
    let me = rq.user().await?;
    Ok(contacts::list(&rq.state, me.id, &search, offset, PAGE_SIZE).await?)
}

#[server(endpoint = "contacts/get")]
pub async fn get_contact(id: i64) -> Result<ContactView, AppError> {
    use crate::api::context::Request;
    use crate::backend::pim::contacts;
    let rq = Request::extract().await?;
    let me = rq.user().await?;
    Ok(contacts::get(&rq.state, me.id, id).await?)
}

/// Creates (`id` none) or replaces a contact; returns its id. JSON: a contact has lists.
#[server(endpoint = "contacts/save", input = server_fn::codec::Json)]
pub async fn save_contact(id: Option<i64>, contact: Contact) -> Result<i64, AppError> {
    use crate::api::context::Request;
    use crate::backend::pim::contacts;
    let rq = Request::extract().await?;
    let me = rq.user().await?;
    match id {
        Some(id) => {
            contacts::update(&rq.state, me.id, id, contact).await?;
            Ok(id)
        }
        None => Ok(contacts::create(&rq.state, me.id, contact).await?),
    }
}

#[server(endpoint = "contacts/delete")]
pub async fn delete_contact(id: i64) -> Result<(), AppError> {
    use crate::api::context::Request;
    use crate::backend::pim::contacts;
    let rq = Request::extract().await?;
    let me = rq.user().await?;
    Ok(contacts::delete(&rq.state, me.id, id).await?)
}

/// An import of the user's own (its progress, then its report).
#[server(endpoint = "imports/get")]
pub async fn get_import(id: i64) -> Result<crate::domain::model::import::ImportView, AppError> {
    use crate::api::context::Request;
    use crate::backend::pim::import;
    let rq = Request::extract().await?;
    let me = rq.user().await?;
    Ok(import::view(&rq.state, me.id, id).await?)
}
