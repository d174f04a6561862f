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
                    <Route path=path!("/preferences") view={Lazy::<PreferencesRoute>::new()}/>
                    <Route path=path!("/admin/users") view={Lazy::<UsersRoute>::new()}/>
                    <Route path=path!("/admin/users/:id") view={Lazy::<UserRoute>::new()}/>
                    <Route path=path!("/admin/settings") view={Lazy::<SettingsRoute>::new()}/>
                    <Route path=path!("/two-factor/setup") view={Lazy::<EnrolRoute>::new()}/>
                    <Route path=path!("/password/choose") view={Lazy::<ChoosePasswordRoute>::new()}/>
                </Routes>
            </main>
            <ReauthDialog/>
        </Router>
    }
}

/// Every page but the login page is a lazy route: its code is a separate WebAssembly chunk
/// (`cargo leptos build --split`) the browser fetches when the route is first shown, so the
/// login page does not wait for the admin pages. On the server laziness changes nothing.
macro_rules! lazy_page {
    ($route:ident, $page:ident) => {
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    };
}

lazy_page!(PreferencesRoute, PreferencesPage);
lazy_page!(UsersRoute, UsersPage);
lazy_page!(UserRoute, UserPage);
lazy_page!(SettingsRoute, SettingsPage);
lazy_page!(EnrolRoute, EnrolPage);
lazy_page!(ChoosePasswordRoute, ChoosePasswordPage);
