//! The document shell and the routes.

use super::components::activesync::SyncPasswordPrompt;
use super::components::header::Header;
use super::components::reauth::{ReauthDialog, ReauthGate};
use super::pages::{login::LoginPage, not_found::NotFound};
use super::routes::{
    CalendarAgendaPage, CalendarPage, ChoosePasswordPage, ContactPage, ContactsPage,
    EditContactPage, EditEventPage, EnrolPage, EventPage, ImportPage, NewContactPage, NewEventPage,
    PreferencesPage, SettingsPage, UserPage, UsersPage,
};
use super::scripts::IslandScripts;
use super::session::{self, to_script_json, SCRIPT_ID};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::path;

/// The whole HTML document, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let info = session::initial();
    let json = to_script_json(&info);
    view! {
        <!DOCTYPE html>
        <html lang=info.lang.code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="data:,"/>
                <script id=SCRIPT_ID type="application/json" inner_html=json></script>
                <AutoReload options=options.clone()/>
                <IslandScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let session = RwSignal::new(session::initial());
    provide_context(session);
    session::provide_texts();
    ReauthGate::provide();

    // `<html lang>` is the shell's; a language switch sets it in place (`set_document_lang`).
    view! {
        <Stylesheet id="leptos" href="/pkg/syncgate.css"/>
        <Title text="syncgate"/>
        <Router>
            <Header here=leptos_router::hooks::use_location().pathname.get_untracked()/>
            <main id="main" tabindex="-1">
                <SyncPasswordPrompt/>
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=|| view! { <Redirect path="/preferences"/> }/>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/preferences") view=PreferencesPage/>
                    <Route path=path!("/two-factor/setup") view=EnrolPage/>
                    <Route path=path!("/password/choose") view=ChoosePasswordPage/>
                    <Route path=path!("/contacts") view=ContactsPage/>
                    <Route path=path!("/contacts/new") view=NewContactPage/>
                    <Route path=path!("/contacts/:id") view=ContactPage/>
                    <Route path=path!("/contacts/:id/edit") view=EditContactPage/>
                    <Route path=path!("/calendar") view=CalendarPage/>
                    <Route path=path!("/calendar/agenda") view=CalendarAgendaPage/>
                    <Route path=path!("/calendar/new") view=NewEventPage/>
                    <Route path=path!("/calendar/events/:id") view=EventPage/>
                    <Route path=path!("/calendar/events/:id/edit") view=EditEventPage/>
                    <Route path=path!("/imports/:id") view=ImportPage/>
                    <Route path=path!("/admin/users") view=UsersPage/>
                    <Route path=path!("/admin/users/:id") view=UserPage/>
                    <Route path=path!("/admin/settings") view=SettingsPage/>
                </Routes>
            </main>
            <ReauthDialog/>
        </Router>
    }
}
