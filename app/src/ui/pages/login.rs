//! /login: username and password.

use crate::api::session::Login;
use crate::ui::components::field::{field_error, form_error, ErrorAlert, Field};
use crate::ui::session::{safe_next, use_session, use_texts};
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_navigate, use_query_map};

#[component]
pub fn LoginPage() -> impl IntoView {
    let session = use_session();
    let t = use_texts();
    let query = use_query_map();
    let next = move || safe_next(query.with(|q| q.get("next")));
    let login = ServerAction::<Login>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(info)) = login.value().get() {
            session.set(info);
            navigate(&next(), Default::default());
        }
    });
    let value = login.value();

    move || {
        if session.with_untracked(|s| s.user.is_some()) && value.with_untracked(Option::is_none) {
            return view! { <Redirect path=next()/> }.into_any();
        }
        view! {
            <section class="card narrow">
                <h1>{move || t.get().login_title}</h1>
                <p>{move || t.get().login_intro}</p>
                <ErrorAlert message=form_error(value, t)/>
                <ActionForm action=login attr:aria-label=move || t.get().login_title>
                    <Field
                        name="username"
                        label=Signal::derive(move || t.get().username)
                        autocomplete="username"
                        required=true
                        error=field_error(value, "username", t)
                    />
                    <Field
                        name="password"
                        kind="password"
                        label=Signal::derive(move || t.get().password)
                        autocomplete="current-password"
                        required=true
                        error=field_error(value, "password", t)
                    />
                    <button type="submit" disabled=move || login.pending().get()>
                        {move || if login.pending().get() { t.get().signing_in } else { t.get().sign_in }}
                    </button>
                </ActionForm>
            </section>
        }
        .into_any()
    }
}
