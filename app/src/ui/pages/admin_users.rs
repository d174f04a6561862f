//! /admin/users: the list of users (searched, ordered and paged by the server, with the
//! last device seen) and the form to create one.

use crate::api::dto::{UserPage, UserSort};
use crate::api::users::{list_users, CreateUser};
use crate::i18n::fill;
use crate::ui::components::field::{field_error, form_error, ErrorAlert, Field, StatusNote};
use crate::ui::components::reauth::ReauthAction;
use crate::ui::resource::server_resource;
use crate::ui::session::text;
use crate::ui::session::use_texts;
use leptos::prelude::*;

#[component]
pub(super) fn Users() -> impl IntoView {
    let t = use_texts();
    // Making an administrator asks for the admin's own fresh proof first; then it goes on.
    let form = NodeRef::<leptos::html::Form>::new();
    let create = ReauthAction::<CreateUser>::for_form(form);
    let query = RwSignal::new(String::new());
    let sort = RwSignal::new(UserSort::Username);
    let page = RwSignal::new(1u32);
    // Searched, ordered and paged by the server: 10,000 users cost one page of rows.
    let users = server_resource(
        move || (create.version().get(), query.get(), sort.get(), page.get()),
        |(_, q, sort, page)| list_users(Some(q), Some(sort.as_str().to_string()), Some(page)),
    );

    view! {
        <h1>{text(t, |t| t.users_title)}</h1>
        <section class="card" aria-labelledby="list-title">
            <h2 id="list-title" class="visually-hidden">{text(t, |t| t.users_title)}</h2>
            <div class="field inline" role="search">
                <label for="user-search">{text(t, |t| t.search_label)}</label>
                <input
                    id="user-search"
                    type="search"
                    placeholder=text(t, |t| t.search)
                    prop:value=query
                    on:input=move |ev| {
                        page.set(1);
                        query.set(event_target_value(&ev));
                    }
                />
            </div>
            <Transition fallback=move || view! { <p>{text(t, |t| t.loading)}</p> }>
                {move || Suspend::new(async move {
                    match users.await {
                        Ok(p) => view! { <UserTable page=p sort=sort current=page/> }.into_any(),
                        Err(e) => {
                            view! { <ErrorAlert message=Signal::derive(move || Some(e.text(t.get())))/> }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </section>
        <CreateUserForm action=create form=form/>
    }
}

/// A column header that orders the list by it (`aria-sort` says which one does).
#[component]
fn SortHeader(
    key: UserSort,
    label: fn(&crate::i18n::Texts) -> &'static str,
    sort: RwSignal<UserSort>,
    current: RwSignal<u32>,
) -> impl IntoView {
    let t = use_texts();
    let direction = move || {
        (sort.get() == key).then_some(if key == UserSort::LastSeen {
            "descending"
        } else {
            "ascending"
        })
    };
    view! {
        <th scope="col" aria-sort=direction>
            <button
                type="button"
                class="link"
                title=move || fill(t.get().sort_by, label(t.get()))
                on:click=move |_| {
                    current.set(1);
                    sort.set(key);
                }
            >
                {move || label(t.get())}
            </button>
        </th>
    }
}

#[component]
fn UserTable(page: UserPage, sort: RwSignal<UserSort>, current: RwSignal<u32>) -> impl IntoView {
    let t = use_texts();
    let yes_no = move |b: bool| if b { t.get().yes } else { t.get().no };
    let (total, number, pages) = (page.total, page.page, page.pages);
    let empty = page.rows.is_empty();
    let rows = page.rows;
    view! {
        <p class="muted" role="status">{move || fill(t.get().users_count, total)}</p>
        <table class="users stack">
            <thead>
                <tr>
                    <SortHeader key=UserSort::Username label=|t| t.username sort=sort current=current/>
                    <SortHeader key=UserSort::Name label=|t| t.name sort=sort current=current/>
                    <SortHeader key=UserSort::Email label=|t| t.email sort=sort current=current/>
                    <th scope="col">{text(t, |t| t.administrator)}</th>
                    <th scope="col">{text(t, |t| t.status)}</th>
                    <th scope="col">{text(t, |t| t.two_factor)}</th>
                    <th scope="col">{text(t, |t| t.col_activesync)}</th>
                    <th scope="col">{text(t, |t| t.col_sync_password)}</th>
                    <SortHeader key=UserSort::LastSeen label=|t| t.col_last_device sort=sort current=current/>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|r| {
                    let seen = match (r.last_seen.clone(), r.last_device.clone()) {
                        (Some(at), Some(device)) => Some(format!("{at} · {device}")),
                        (Some(at), None) => Some(at),
                        _ => None,
                    };
                    view! {
                        <tr>
                            <td data-label=text(t, |t| t.username)>
                                <a href=format!("/admin/users/{}", r.id)>{r.username.clone()}</a>
                            </td>
                            <td data-label=text(t, |t| t.name)>{r.name.clone()}</td>
                            <td data-label=text(t, |t| t.email)>{r.email.clone()}</td>
                            <td data-label=text(t, |t| t.administrator)>{move || yes_no(r.is_admin)}</td>
                            <td data-label=text(t, |t| t.status)>
                                {move || if r.active { t.get().status_active } else { t.get().status_inactive }}
                            </td>
                            <td data-label=text(t, |t| t.two_factor)>
                                {move || t.get().method(r.two_factor)}
                                {move || r.two_factor_required.then(|| format!(" ({})", t.get().required))}
                            </td>
                            <td data-label=text(t, |t| t.col_activesync)>{move || yes_no(r.activesync_enabled)}</td>
                            <td data-label=text(t, |t| t.col_sync_password)>{move || if r.sync_password_set { t.get().sync_password_set } else { "—" }}</td>
                            <td data-label=text(t, |t| t.col_last_device)>
                                {match seen {
                                    Some(s) => s.into_any(),
                                    None => text(t, |t| t.never_seen).into_any(),
                                }}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        {empty.then(|| view! { <p>{text(t, |t| t.no_users_match)}</p> })}
        {(pages > 1).then(|| view! {
            <nav class="pager" aria-label=text(t, |t| t.users_title)>
                <button type="button" disabled=number <= 1 on:click=move |_| current.set(number - 1)>
                    {text(t, |t| t.previous_page)}
                </button>
                <span>{move || format!("{} / {pages}", fill(t.get().page_of, number))}</span>
                <button type="button" disabled=number >= pages on:click=move |_| current.set(number + 1)>
                    {text(t, |t| t.next_page)}
                </button>
            </nav>
        })}
    }
}

#[component]
fn CreateUserForm(
    action: ReauthAction<CreateUser>,
    form: NodeRef<leptos::html::Form>,
) -> impl IntoView {
    let t = use_texts();
    let value = action.value();
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(form)) = (value.get(), form.get()) {
            form.reset();
        }
    });
    let created =
        Signal::derive(move || matches!(value.get(), Some(Ok(_))).then(|| t.get().user_created));
    let field = move |name: &'static str, label: fn(&crate::i18n::Texts) -> &'static str| {
        (
            name,
            Signal::derive(move || label(t.get())),
            field_error(value, name, t),
        )
    };
    let (un, un_l, un_e) = field("username", |t| t.username);
    let (em, em_l, em_e) = field("email", |t| t.email);
    let (fi, fi_l, fi_e) = field("first_name", |t| t.first_name);
    let (la, la_l, la_e) = field("last_name", |t| t.last_name);
    let (pw, pw_l, pw_e) = field("password", |t| t.initial_password);

    view! {
        <section class="card" aria-labelledby="create-title">
            <h2 id="create-title">{text(t, |t| t.create_user)}</h2>
            <ErrorAlert message=form_error(value, t)/>
            <ActionForm action=action.action() node_ref=form attr:aria-labelledby="create-title">
                <div class="grid2">
                    <Field name=un label=un_l required=true error=un_e/>
                    <Field name=em label=em_l kind="email" error=em_e/>
                    <Field name=fi label=fi_l error=fi_e/>
                    <Field name=la label=la_l error=la_e/>
                    <Field
                        name=pw
                        label=pw_l
                        kind="password"
                        autocomplete="new-password"
                        required=true
                        hint=Signal::derive(text(t, |t| t.password_hint))
                        error=pw_e
                    />
                    <div class="field checkbox">
                        <input type="checkbox" id="is_admin" name="is_admin" value="on"/>
                        <label for="is_admin">{text(t, |t| t.make_admin)}</label>
                    </div>
                </div>
                <button type="submit" disabled=move || action.pending().get()>
                    {text(t, |t| t.create)}
                </button>
            </ActionForm>
            <StatusNote message=created/>
            {move || {
                value
                    .get()
                    .and_then(Result::ok)
                    .map(|id| view! { <a href=format!("/admin/users/{id}")>{text(t, |t| t.open)}</a> })
            }}
        </section>
    }
}
