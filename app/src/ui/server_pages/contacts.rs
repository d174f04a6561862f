//! /contacts and /contacts/:id, rendered on the server only: no WebAssembly for reading a list
//! of 10,000 contacts or one contact; `?q=` searches and `?page=` pages, as plain links and a
//! plain form. Only the Delete control is an island.

use crate::api::contacts::{get_contact, list_contacts, PAGE_SIZE};
use crate::domain::model::contacts::{Contact, ContactPage};
use crate::i18n::{fill, Texts};
use crate::ui::components::field::ErrorAlert;
use crate::ui::pages::contacts::{address_label, phone_label};
use crate::ui::pages::groups::{PimPage, PimPages};
use crate::ui::resource::server_resource;
use crate::ui::server_pages::imports::{Folder, ImportExport};
use crate::ui::server_pages::kv_row;
use crate::ui::session::{text, use_texts};
use leptos::prelude::*;

/// The list, rendered on the server (no WebAssembly): `?q=` searches, `?page=` pages.
#[component]
pub fn ContactList() -> impl IntoView {
    let t = use_texts();
    let query = leptos_router::hooks::use_query_map();
    let search = query.with_untracked(|q| q.get("q").unwrap_or_default());
    let page_no = query
        .with_untracked(|q| q.get("page").and_then(|p| p.parse::<i64>().ok()))
        .unwrap_or(1)
        .max(1);
    let offset = (page_no - 1) * PAGE_SIZE;
    let wanted = search.clone();
    let page = server_resource(
        move || (wanted.clone(), offset),
        |(s, o)| list_contacts(s, o),
    );
    view! {
        <h1>{text(t, |t| t.contacts_title)}</h1>
        <p><a class="button" href="/contacts/new">{text(t, |t| t.contacts_new)}</a></p>
        <section class="card" aria-labelledby="contacts-list-title">
            <h2 id="contacts-list-title" class="visually-hidden">{text(t, |t| t.contacts_title)}</h2>
            <form method="get" action="/contacts" class="field inline" role="search">
                <label for="contact-search">{text(t, |t| t.contacts_search)}</label>
                <input id="contact-search" name="q" type="search" value=search.clone()/>
                <button type="submit">{text(t, |t| t.search_button)}</button>
            </form>
            <Suspense fallback=move || view! { <p>{text(t, |t| t.loading)}</p> }>
                {move || {
                    let search = search.clone();
                    Suspend::new(async move {
                        match page.await {
                            Ok(p) => contact_table(t, p, search).into_any(),
                            Err(e) => view! { <ErrorAlert message=Signal::derive(move || Some(e.text(t.get())))/> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
        <ImportExport folder=Folder::Contacts/>
    }
}

fn contact_table(t: Signal<&'static Texts>, page: ContactPage, search: String) -> impl IntoView {
    if page.total == 0 {
        let searching = !search.trim().is_empty();
        return view! {
            <p class="empty">
                {move || if searching { t.get().contacts_no_match } else { t.get().contacts_empty }}
            </p>
        }
        .into_any();
    }
    let (start, total) = (page.offset, page.total);
    let page_no = start / PAGE_SIZE + 1;
    let link = move |n: i64| {
        format!(
            "/contacts?q={}&page={n}",
            crate::domain::text::percent_encode(&search, &[])
        )
    };
    let rows = page
        .contacts
        .into_iter()
        .map(|c| {
            view! {
                <tr>
                    <td data-label=text(t, |t| t.name)><a href=format!("/contacts/{}", c.id)>{c.name}</a></td>
                    <td data-label=text(t, |t| t.col_company)>{c.company}</td>
                    <td data-label=text(t, |t| t.email)>{c.email}</td>
                    <td data-label=text(t, |t| t.col_phone)>{c.phone}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="muted" role="status">{move || fill(t.get().contacts_count, total)}</p>
        <table class="users stack">
            <thead>
                <tr>
                    <th scope="col">{text(t, |t| t.name)}</th>
                    <th scope="col">{text(t, |t| t.col_company)}</th>
                    <th scope="col">{text(t, |t| t.email)}</th>
                    <th scope="col">{text(t, |t| t.col_phone)}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <nav class="buttons pager" aria-label=text(t, |t| t.contacts_title)>
            {(start > 0).then(|| view! { <a href=link(page_no - 1)>{text(t, |t| t.previous_page)}</a> })}
            <span>{move || fill(t.get().page_n, page_no)}</span>
            {(start + PAGE_SIZE < total).then(|| view! { <a href=link(page_no + 1)>{text(t, |t| t.next_page)}</a> })}
        </nav>
    }
    .into_any()
}

/// One contact, read-only (rendered on the server), with Edit and the Delete control.
#[component]
pub fn ContactCard(id: i64) -> impl IntoView {
    let t = use_texts();
    let contact = server_resource(move || id, get_contact);
    view! {
        <p><a href="/contacts">{text(t, |t| t.back_to_contacts)}</a></p>
        <Suspense fallback=move || view! { <p>{text(t, |t| t.loading)}</p> }>
            {move || Suspend::new(async move {
                match contact.await {
                    Ok(v) => view! {
                        <ContactDetails contact=v.contact.clone()/>
                        <PictureForm id=id name=v.contact.display_name() has_picture=v.has_picture/>
                        <div class="buttons">
                            <a class="button" href=format!("/contacts/{id}/edit")>{text(t, |t| t.edit)}</a>
                            <a href=format!("/contacts/{id}/export") download="">{text(t, |t| t.export_one)}</a>
                            <PimPages page=PimPage::DeleteContact(id)/>
                        </div>
                    }
                    .into_any(),
                    Err(e) => view! { <ErrorAlert message=Signal::derive(move || Some(e.text(t.get())))/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The picture and a plain multipart form to change it (`server/src/pictures.rs` answers
/// with a redirect back here, `?picture=` naming the outcome).
#[component]
fn PictureForm(id: i64, name: String, has_picture: bool) -> impl IntoView {
    let t = use_texts();
    let outcome = leptos_router::hooks::use_query_map()
        .with_untracked(|q| q.get("picture").unwrap_or_default());
    let (error, note): (Option<Label>, Option<Label>) = match outcome.as_str() {
        "saved" => (None, Some(|t| t.picture_saved)),
        "removed" => (None, Some(|t| t.picture_removed)),
        "too_large" => (Some(|t| t.err_picture_too_large), None),
        "format" | "missing" => (Some(|t| t.err_picture_format), None),
        _ => (None, None),
    };
    let action = format!("/contacts/{id}/picture");
    view! {
        <section class="card" aria-labelledby="picture-title">
            <h2 id="picture-title">{text(t, |t| t.picture)}</h2>
            {error.map(|e| view! { <p class="alert error" role="alert">{text(t, e)}</p> })}
            {note.map(|n| view! { <p class="status-note" role="status">{text(t, n)}</p> })}
            {has_picture.then(|| view! {
                <img
                    class="picture"
                    src=format!("/contacts/{id}/picture")
                    alt=move || fill(t.get().picture_of, &name)
                    width="128"
                />
            })}
            <form method="post" enctype="multipart/form-data" action=action.clone()>
                <div class="field">
                    <label for="picture">{text(t, |t| t.picture_file)}</label>
                    <input id="picture" name="picture" type="file" accept="image/jpeg,image/png,image/gif,image/webp" aria-describedby="picture-hint"/>
                    <p class="hint" id="picture-hint">{text(t, |t| t.picture_hint)}</p>
                </div>
                <button type="submit">{text(t, |t| t.picture_upload)}</button>
            </form>
            {has_picture.then(|| view! {
                <form method="post" enctype="multipart/form-data" action=action>
                    <input type="hidden" name="remove" value="1"/>
                    <button type="submit" class="secondary">{text(t, |t| t.picture_remove)}</button>
                </form>
            })}
        </section>
    }
}

type Label = fn(&'static Texts) -> &'static str;

#[component]
fn ContactDetails(contact: Contact) -> impl IntoView {
    let t = use_texts();
    let name = contact.display_name();
    let row = move |label, value| kv_row(t, label, value);
    let c = contact;
    let full_name = [
        &c.title,
        &c.first_name,
        &c.middle_name,
        &c.last_name,
        &c.suffix,
    ]
    .iter()
    .map(|s| s.trim())
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" ");
    let phones = c
        .phones
        .iter()
        .map(|p| row(phone_label(p.kind), p.number.clone()))
        .collect_view();
    let addresses = c
        .addresses
        .iter()
        .map(|a| {
            let lines = [&a.street, &a.postal_code, &a.city, &a.region, &a.country]
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            row(address_label(a.kind), lines)
        })
        .collect_view();
    view! {
        <h1>{name}</h1>
        <section class="card" aria-labelledby="contact-details-title">
            <h2 id="contact-details-title" class="visually-hidden">{text(t, |t| t.personal)}</h2>
            <dl class="kv-grid">
                {row(|t| t.name, full_name)}
                {row(|t| t.nickname, c.nickname.clone())}
                {row(|t| t.company, c.company.clone())}
                {row(|t| t.department, c.department.clone())}
                {row(|t| t.job_title, c.job_title.clone())}
                {row(|t| t.emails, c.emails.join(", "))}
                {phones}
                {addresses}
                {row(|t| t.birthday, c.birthday.map(|d| d.to_string()).unwrap_or_default())}
                {row(|t| t.anniversary, c.anniversary.map(|d| d.to_string()).unwrap_or_default())}
                {row(|t| t.website, c.website.clone())}
                {row(|t| t.im, c.im.join(", "))}
                {row(|t| t.categories, c.categories.join(", "))}
                {row(|t| t.notes, c.notes.clone())}
            </dl>
        </section>
    }
}
