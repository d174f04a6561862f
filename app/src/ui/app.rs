//! The document shell and the routes.

use super::components::activesync::SyncPasswordPrompt;
use super::components::header::Header;
use super::components::reauth::{ReauthDialog, ReauthGate};
use super::pages::{
    admin_settings::SettingsPage, admin_user::UserPage, admin_users::UsersPage,
    choose_password::ChoosePasswordPage, enrol::EnrolPage, login::LoginPage, not_found::NotFound,
    preferences::PreferencesPage,
};
use super::session::{self, to_script_json, SCRIPT_ID};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Html, MetaTags, Stylesheet, Title};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::{lazy_route, path, Lazy, LazyRoute};

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
                <HydrationScripts options/>
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
    let lang = move || session.with(|s| s.lang.code());

    view! {
        <Html attr:lang=lang/>
        <Stylesheet id="leptos" href="/pkg/syncgate.css"/>
        <Title text="syncgate"/>
        <Router>
            <Header/>
            <main id="main" tabindex="-1">
                <SyncPasswordPrompt/>
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=|| view! { <Redirect path="/preferences"/> }/>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/preferences") view={Lazy::<AccountPages>::new()}/>
                    <Route path=path!("/two-factor/setup") view={Lazy::<AccountPages>::new()}/>
                    <Route path=path!("/password/choose") view={Lazy::<AccountPages>::new()}/>
                    <Route path=path!("/admin/users") view={Lazy::<AdminPages>::new()}/>
                    <Route path=path!("/admin/users/:id") view={Lazy::<AdminPages>::new()}/>
                    <Route path=path!("/admin/settings") view={Lazy::<AdminPages>::new()}/>
                </Routes>
            </main>
            <ReauthDialog/>
        </Router>
    }
}

/// Every page but the login page is lazy: its code is fetched when a page of its group is
/// first shown (`cargo leptos build --split`), so the login page does not wait for the others.
/// Two groups rather than a split per page: the splitter also makes a chunk for every set of
/// splits that shares code, and thirty small files compressed one by one were a tenth bigger
/// than the same code in a few (`make size`). On the server laziness changes nothing.
pub struct AccountPages(String);

#[lazy_route]
impl LazyRoute for AccountPages {
    fn data() -> Self {
        Self(matched_path())
    }

    fn view(this: Self) -> AnyView {
        match this.0.as_str() {
            "/two-factor/setup" => view! { <EnrolPage/> }.into_any(),
            "/password/choose" => view! { <ChoosePasswordPage/> }.into_any(),
            _ => view! { <PreferencesPage/> }.into_any(),
        }
    }
}

pub struct AdminPages(String);

#[lazy_route]
impl LazyRoute for AdminPages {
    fn data() -> Self {
        Self(matched_path())
    }

    fn view(this: Self) -> AnyView {
        match this.0.as_str() {
            "/admin/users" => view! { <UsersPage/> }.into_any(),
            "/admin/settings" => view! { <SettingsPage/> }.into_any(),
            _ => view! { <UserPage/> }.into_any(),
        }
    }
}

/// The path the router matched for the route being built (each route gets a view of its own;
/// also right when a link's page is preloaded before it is followed).
fn matched_path() -> String {
    let path = leptos_router::hooks::use_matched().get_untracked();
    path.trim_end_matches('/').to_owned()
}
