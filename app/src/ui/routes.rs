//! The routes' views, rendered on the server only: each checks who may see the page (the
//! server functions check it again) and sends anyone else on with a redirect, then renders
//! the page's island.

use super::components::guard::{RequireAdmin, RequireSession, RequireSignedIn, RequireUser};
use super::pages::choose_password::{next_page, owed};
use super::pages::groups::{AccountPage, AccountPages, AdminPage, AdminPages, PimPage, PimPages};
use super::pages::not_found::NotFound;
use super::server_pages::calendar::{AgendaPage, EventCard, MonthPage, TimeZoneList};
use super::server_pages::contacts::{ContactCard, ContactList};
use super::server_pages::imports::ImportProgress;
use super::session::use_session;
use crate::domain::date::Date;
use crate::domain::ids::UserId;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_params_map;

#[component]
pub fn PreferencesPage() -> impl IntoView {
    view! {
        <RequireUser>
            <TimeZoneList/>
            <AccountPages page=AccountPage::Preferences/>
        </RequireUser>
    }
}

#[component]
pub fn EnrolPage() -> impl IntoView {
    let must_enrol =
        use_session().with_untracked(|s| s.user.as_ref().is_some_and(|u| u.must_enrol));
    view! {
        <RequireSignedIn>
            {if must_enrol {
                view! { <AccountPages page=AccountPage::Enrol/> }.into_any()
            } else {
                view! { <Redirect path="/preferences"/> }.into_any()
            }}
        </RequireSignedIn>
    }
}

#[component]
pub fn ChoosePasswordPage() -> impl IntoView {
    let owed = owed(use_session());
    view! {
        <RequireSession>
            {match owed {
                Some((true, _)) => view! { <AccountPages page=AccountPage::ChoosePassword/> }.into_any(),
                other => view! { <Redirect path=next_page(other)/> }.into_any(),
            }}
        </RequireSession>
    }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    view! {
        <RequireAdmin>
            <AdminPages page=AdminPage::Users/>
        </RequireAdmin>
    }
}

#[component]
pub fn UserPage() -> impl IntoView {
    let id =
        use_params_map().with_untracked(|p| p.get("id").and_then(|s| s.parse::<UserId>().ok()));
    view! {
        <RequireAdmin>
            <AdminPages page=AdminPage::User(id)/>
        </RequireAdmin>
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <RequireAdmin>
            <AdminPages page=AdminPage::Settings/>
        </RequireAdmin>
    }
}

/// The contact of `/contacts/:id` (and its edit page); an address without a number is not found.
fn contact_id() -> Option<i64> {
    use_params_map().with_untracked(|p| p.get("id").and_then(|s| s.parse().ok()))
}

#[component]
pub fn ContactsPage() -> impl IntoView {
    view! {
        <RequireUser>
            <ContactList/>
        </RequireUser>
    }
}

#[component]
pub fn NewContactPage() -> impl IntoView {
    view! {
        <RequireUser>
            <PimPages page=PimPage::NewContact/>
        </RequireUser>
    }
}

#[component]
pub fn ContactPage() -> impl IntoView {
    let id = contact_id();
    view! {
        <RequireUser>
            {match id {
                Some(id) => view! { <ContactCard id=id/> }.into_any(),
                None => view! { <NotFound/> }.into_any(),
            }}
        </RequireUser>
    }
}

#[component]
pub fn EditContactPage() -> impl IntoView {
    let page = contact_id().map(PimPage::EditContact);
    view! {
        <RequireUser>
            {match page {
                Some(page) => view! { <PimPages page=page/> }.into_any(),
                None => view! { <NotFound/> }.into_any(),
            }}
        </RequireUser>
    }
}

/// The number in `/calendar/events/:id` (and its edit page) or `/imports/:id`.
fn event_id() -> Option<i64> {
    use_params_map().with_untracked(|p| p.get("id").and_then(|s| s.parse().ok()))
}

#[component]
pub fn CalendarPage() -> impl IntoView {
    view! {
        <RequireUser>
            <MonthPage/>
        </RequireUser>
    }
}

#[component]
pub fn CalendarAgendaPage() -> impl IntoView {
    view! {
        <RequireUser>
            <AgendaPage/>
        </RequireUser>
    }
}

#[component]
pub fn NewEventPage() -> impl IntoView {
    let date = leptos_router::hooks::use_query_map()
        .with_untracked(|q| q.get("date").and_then(|d| Date::parse(&d)));
    view! {
        <RequireUser>
            <TimeZoneList/>
            <PimPages page=PimPage::NewEvent(date)/>
        </RequireUser>
    }
}

#[component]
pub fn EventPage() -> impl IntoView {
    let id = event_id();
    view! {
        <RequireUser>
            {match id {
                Some(id) => view! { <EventCard id=id/> }.into_any(),
                None => view! { <NotFound/> }.into_any(),
            }}
        </RequireUser>
    }
}

#[component]
pub fn EditEventPage() -> impl IntoView {
    let at = leptos_router::hooks::use_query_map()
        .with_untracked(|q| q.get("at").and_then(|a| a.parse::<i64>().ok()));
    let page = event_id().map(|id| PimPage::EditEvent { id, at });
    view! {
        <RequireUser>
            {match page {
                Some(page) => view! { <TimeZoneList/><PimPages page=page/> }.into_any(),
                None => view! { <NotFound/> }.into_any(),
            }}
        </RequireUser>
    }
}

/// `/imports/:id`: an import's progress, then its report.
#[component]
pub fn ImportPage() -> impl IntoView {
    let id = event_id();
    view! {
        <RequireUser>
            {match id {
                Some(id) => view! { <ImportProgress id=id/> }.into_any(),
                None => view! { <NotFound/> }.into_any(),
            }}
        </RequireUser>
    }
}
