//! The islands the pages are made of, in two groups whose code the browser fetches when a
//! page of the group is first shown (`#[island(lazy)]` with `cargo leptos build --split`):
//! the login page does not wait for them, and an account page does not carry the admin's.
//! Two groups rather than an island per page: the splitter makes a chunk for every set of
//! splits that shares code, and many small files compressed one by one were much bigger than
//! the same code in a few (`make size`, issue 11).

use super::{
    admin_settings, admin_user, admin_users, calendar, choose_password, contact_form, contacts,
    enrol, event_form, preferences,
};
use crate::domain::date::Date;
use crate::domain::ids::UserId;
use crate::ui::components::mail_banner::{provide_banner_refresh, MailSecretBanner};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The signed-in user's own pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountPage {
    Preferences,
    Enrol,
    ChoosePassword,
}

#[island(lazy)]
pub fn AccountPages(page: AccountPage) -> impl IntoView {
    match page {
        AccountPage::Preferences => view! { <preferences::Preferences/> }.into_any(),
        AccountPage::Enrol => view! { <enrol::Enrol/> }.into_any(),
        AccountPage::ChoosePassword => view! { <choose_password::ChoosePasswordStep/> }.into_any(),
    }
}

/// The user's contacts and calendar: fetched only by those who open them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PimPage {
    NewContact,
    EditContact(i64),
    DeleteContact(i64),
    /// On a day (else today).
    NewEvent(Option<Date>),
    /// The event or series, or (`at`) one occurrence.
    EditEvent {
        id: i64,
        at: Option<i64>,
    },
    DeleteEvent {
        id: i64,
        at: Option<i64>,
        recurring: bool,
    },
}

#[island(lazy)]
pub fn PimPages(page: PimPage) -> impl IntoView {
    match page {
        PimPage::DeleteContact(id) => view! { <contacts::DeleteContactButton id=id/> }.into_any(),
        PimPage::NewContact => view! { <contact_form::ContactEditor id=None/> }.into_any(),
        PimPage::EditContact(id) => view! { <contact_form::ContactEditor id=Some(id)/> }.into_any(),
        PimPage::NewEvent(date) => {
            view! { <event_form::EventEditor id=None at=None date=date/> }.into_any()
        }
        PimPage::EditEvent { id, at } => {
            view! { <event_form::EventEditor id=Some(id) at=at date=None/> }.into_any()
        }
        PimPage::DeleteEvent { id, at, recurring } => view! {
            <calendar::DeleteEventButtons id=id at=at recurring=recurring/>
        }
        .into_any(),
    }
}

/// The admin's pages; `User(None)` when the address holds no user number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AdminPage {
    Users,
    User(Option<UserId>),
    Settings,
}

#[island(lazy)]
pub fn AdminPages(page: AdminPage) -> impl IntoView {
    provide_banner_refresh();
    let page = match page {
        AdminPage::Users => view! { <admin_users::Users/> }.into_any(),
        AdminPage::User(id) => view! { <admin_user::User id=id/> }.into_any(),
        AdminPage::Settings => view! { <admin_settings::Settings/> }.into_any(),
    };
    // Every admin page warns while the Office 365 client secret for mail nears its expiry.
    view! {
        <MailSecretBanner/>
        {page}
    }
}
