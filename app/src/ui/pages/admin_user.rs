//! /admin/users/:id: one user, with the admin-only controls.

use crate::api::users::{get_user, SetUserActive};
use crate::ui::components::field::{form_error, ErrorAlert, StatusNote};
use crate::ui::components::guard::RequireAdmin;
use crate::ui::components::role_and_login::RoleAndLogin;
use crate::ui::session::use_texts;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

#[component]
pub fn UserPage() -> impl IntoView {
    view! {
        <RequireAdmin>
            <User/>
        </RequireAdmin>
    }
}

#[component]
fn User() -> impl IntoView {
    let t = use_texts();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|s| s.parse::<i64>().ok()));
    let set_active = ServerAction::<SetUserActive>::new();
    let user = Resource::new(
        move || (id(), set_active.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_user(id).await,
                None => Err(crate::api::error::AppError::NotFound),
            }
        },
    );
    let value = set_active.value();
    let note = Signal::derive(move || match value.get() {
        Some(Ok(p)) if p.active => Some(t.get().user_reactivated),
        Some(Ok(_)) => Some(t.get().user_deactivated),
        _ => None,
    });
    let invalid = Signal::derive(move || {
        value.with(|v| match v {
            Some(Err(e @ crate::api::error::AppError::Invalid { .. })) => Some(e.text(t.get())),
            _ => None,
        })
    });

    view! {
        <p>
            <A href="/admin/users">{move || t.get().back_to_users}</A>
        </p>
        <Transition fallback=move || view! { <p>{move || t.get().loading}</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(p) => {
                        let uid = p.id;
                        let active = p.active;
                        view! {
                            <h1>{move || t.get().user_title} ": " {p.username.clone()}</h1>
                            <RoleAndLogin profile=p/>
                            <section class="card" aria-labelledby="account-title">
                                <h2 id="account-title">{move || t.get().account_actions}</h2>
                                <ErrorAlert message=invalid/>
                                <ErrorAlert message=form_error(value, t)/>
                                <button
                                    type="button"
                                    class=if active { "danger" } else { "" }
                                    disabled=move || set_active.pending().get()
                                    on:click=move |_| {
                                        set_active.dispatch(SetUserActive { id: uid, active: !active });
                                    }
                                >
                                    {move || if active { t.get().deactivate } else { t.get().reactivate }}
                                </button>
                                <StatusNote message=note/>
                            </section>
                        }
                        .into_any()
                    }
                    Err(e) => view! { <ErrorAlert message=Signal::derive(move || Some(e.text(t.get())))/> }.into_any(),
                }
            })}
        </Transition>
    }
}
