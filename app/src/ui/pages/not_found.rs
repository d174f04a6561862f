//! 404 and 403 pages; on the server they also set the status code.

use crate::ui::session::text;
use crate::ui::session::use_texts;
use leptos::prelude::*;
use leptos_router::components::A;

fn set_status(_code: u16) {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(status) = axum::http::StatusCode::from_u16(_code) {
            response.set_status(status);
        }
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    set_status(404);
    let t = use_texts();
    view! {
        <section class="card narrow">
            <h1>{text(t, |t| t.not_found_title)}</h1>
            <p>{text(t, |t| t.not_found_body)}</p>
            <A href="/preferences">{text(t, |t| t.go_home)}</A>
        </section>
    }
}

#[component]
pub fn NotAllowed() -> impl IntoView {
    set_status(403);
    let t = use_texts();
    view! {
        <section class="card narrow">
            <h1>{text(t, |t| t.not_allowed_title)}</h1>
            <p role="alert">{text(t, |t| t.not_allowed_body)}</p>
            <A href="/preferences">{text(t, |t| t.go_home)}</A>
        </section>
    }
}
