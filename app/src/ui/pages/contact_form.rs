//! /contacts/new and /contacts/:id/edit: every field of SPEC 6, repeatable emails, phones and
//! addresses; the server checks it all again and names the field it refuses.

use super::contacts::{address_label, phone_label};
use crate::api::contacts::{get_contact, SaveContact};
use crate::domain::date::Date;
use crate::domain::model::contacts::{
    Address, AddressKind, Contact, Phone, PhoneKind, MAX_ADDRESSES, MAX_EMAILS, MAX_IM,
};
use crate::i18n::Texts;
use crate::ui::components::field::{field_error, form_error, ErrorAlert};
use crate::ui::navigate::go;
use crate::ui::resource::server_resource;
use crate::ui::session::{text, use_texts};
use leptos::prelude::*;

type Label = fn(&'static Texts) -> &'static str;

/// The form for a new contact (`id` none) or for changing one.
#[component]
pub(super) fn ContactEditor(id: Option<i64>) -> impl IntoView {
    let t = use_texts();
    match id {
        None => view! { <ContactForm id=None contact=Contact::default()/> }.into_any(),
        Some(id) => {
            let stored = server_resource(
                move || id,
                |id| async move { get_contact(id).await.map(|v| v.contact) },
            );
            view! {
                <Transition fallback=move || view! { <p>{text(t, |t| t.loading)}</p> }>
                    {move || Suspend::new(async move {
                        match stored.await {
                            Ok(c) => view! { <ContactForm id=Some(id) contact=c/> }.into_any(),
                            Err(e) => view! { <ErrorAlert message=Signal::derive(move || Some(e.text(t.get())))/> }.into_any(),
                        }
                    })}
                </Transition>
            }
            .into_any()
        }
    }
}

#[component]
fn ContactForm(id: Option<i64>, contact: Contact) -> impl IntoView {
    let t = use_texts();
    let save = ServerAction::<SaveContact>::new();
    let value = save.value();
    Effect::new(move |_| {
        if let Some(Ok(id)) = value.get() {
            go(&format!("/contacts/{id}"));
        }
    });
    let dates = (
        RwSignal::new(contact.birthday.map(|d| d.to_string()).unwrap_or_default()),
        RwSignal::new(
            contact
                .anniversary
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
    );
    let categories = RwSignal::new(contact.categories.join(", "));
    let mut emails = contact.emails.clone();
    emails.resize(MAX_EMAILS, String::new());
    let mut im = contact.im.clone();
    im.resize(MAX_IM, String::new());
    let emails = RwSignal::new(emails);
    let im = RwSignal::new(im);
    let phones = RwSignal::new(contact.phones.clone());
    let addresses = RwSignal::new(contact.addresses.clone());
    let form = RwSignal::new(contact);
    let date_error = RwSignal::new(None::<(&'static str, String)>);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut c = form.get_untracked();
        c.emails = emails.get_untracked();
        c.im = im.get_untracked();
        c.phones = phones.get_untracked();
        c.addresses = addresses.get_untracked();
        c.categories = categories
            .get_untracked()
            .split(',')
            .map(str::to_string)
            .collect();
        for (field, text, slot) in [
            ("birthday", dates.0.get_untracked(), &mut c.birthday),
            ("anniversary", dates.1.get_untracked(), &mut c.anniversary),
        ] {
            if text.trim().is_empty() {
                *slot = None;
            } else if let Some(d) = Date::parse(&text) {
                *slot = Some(d);
            } else {
                date_error.set(Some((
                    field,
                    t.get_untracked().err_date_invalid.to_string(),
                )));
                return;
            }
        }
        date_error.set(None);
        save.dispatch(SaveContact { id, contact: c });
    };

    // A text input bound to one field of the contact.
    let input = move |name: &'static str,
                      label: Label,
                      get: fn(&Contact) -> &String,
                      set: fn(&mut Contact, String)| {
        let error = field_error(value, name, t);
        view! {
            <div class="field">
                <label for=name>{text(t, label)}</label>
                <input
                    id=name
                    type="text"
                    prop:value=move || form.with(|c| get(c).clone())
                    on:input=move |ev| form.update(|c| set(c, event_target_value(&ev)))
                    aria-invalid=move || error.with(Option::is_some).then_some("true")
                />
                {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            </div>
        }
    };
    let date = move |name: &'static str, label: Label, value: RwSignal<String>| {
        let error = Signal::derive(move || {
            date_error.with(|d| {
                d.as_ref()
                    .filter(|(f, _)| *f == name)
                    .map(|(_, m)| m.clone())
            })
        });
        view! {
            <div class="field">
                <label for=name>{text(t, label)}</label>
                <input id=name type="date" prop:value=value on:input=move |ev| value.set(event_target_value(&ev))/>
                {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            </div>
        }
    };
    let list = move |name: &'static str,
                     label: Label,
                     values: RwSignal<Vec<String>>,
                     kind: &'static str| {
        let error = field_error(value, name, t);
        view! {
            <fieldset class="field">
                <legend>{text(t, label)}</legend>
                {(0..values.with_untracked(Vec::len))
                    .map(|i| {
                        view! {
                            <input
                                type=kind
                                id=format!("{name}-{i}")
                                aria-label=move || format!("{} {}", label(t.get()), i + 1)
                                prop:value=move || values.with(|v| v[i].clone())
                                on:input=move |ev| values.update(|v| v[i] = event_target_value(&ev))
                            />
                        }
                    })
                    .collect_view()}
                {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            </fieldset>
        }
    };

    view! {
        <h1>{move || if id.is_some() { t.get().contact_edit_title } else { t.get().contacts_new }}</h1>
        <form on:submit=submit novalidate>
            <ErrorAlert message=form_error(value, t)/>
            <section class="card" aria-labelledby="contact-personal">
                <h2 id="contact-personal">{text(t, |t| t.personal)}</h2>
                <div class="grid2">
                    {input("title", |t| t.name_title, |c| &c.title, |c, v| c.title = v)}
                    {input("first_name", |t| t.first_name, |c| &c.first_name, |c, v| c.first_name = v)}
                    {input("middle_name", |t| t.middle_name, |c| &c.middle_name, |c, v| c.middle_name = v)}
                    {input("last_name", |t| t.last_name, |c| &c.last_name, |c, v| c.last_name = v)}
                    {input("suffix", |t| t.name_suffix, |c| &c.suffix, |c, v| c.suffix = v)}
                    {input("nickname", |t| t.nickname, |c| &c.nickname, |c, v| c.nickname = v)}
                    {date("birthday", |t| t.birthday, dates.0)}
                    {date("anniversary", |t| t.anniversary, dates.1)}
                </div>
            </section>
            <section class="card" aria-labelledby="contact-work">
                <h2 id="contact-work">{text(t, |t| t.work_section)}</h2>
                <div class="grid2">
                    {input("company", |t| t.company, |c| &c.company, |c, v| c.company = v)}
                    {input("department", |t| t.department, |c| &c.department, |c, v| c.department = v)}
                    {input("job_title", |t| t.job_title, |c| &c.job_title, |c, v| c.job_title = v)}
                    {input("website", |t| t.website, |c| &c.website, |c, v| c.website = v)}
                </div>
            </section>
            <section class="card" aria-labelledby="contact-reach">
                <h2 id="contact-reach" class="visually-hidden">{text(t, |t| t.phones)}</h2>
                {list("emails", |t| t.emails, emails, "email")}
                <PhoneRows phones=phones/>
                <AddressRows addresses=addresses/>
                {list("im", |t| t.im, im, "text")}
            </section>
            <section class="card" aria-labelledby="contact-more">
                <h2 id="contact-more" class="visually-hidden">{text(t, |t| t.notes)}</h2>
                <div class="field">
                    <label for="categories">{text(t, |t| t.categories)}</label>
                    <input id="categories" type="text" prop:value=categories on:input=move |ev| categories.set(event_target_value(&ev))/>
                </div>
                <div class="field">
                    <label for="notes">{text(t, |t| t.notes)}</label>
                    <textarea
                        id="notes"
                        rows="4"
                        prop:value=move || form.with(|c| c.notes.clone())
                        on:input=move |ev| form.update(|c| c.notes = event_target_value(&ev))
                    ></textarea>
                </div>
            </section>
            <div class="buttons">
                <button type="submit" disabled=move || save.pending().get()>{text(t, |t| t.save)}</button>
                <a href=move || id.map(|id| format!("/contacts/{id}")).unwrap_or_else(|| "/contacts".into())>
                    {text(t, |t| t.cancel)}
                </a>
            </div>
        </form>
    }
}

#[component]
fn PhoneRows(phones: RwSignal<Vec<Phone>>) -> impl IntoView {
    let t = use_texts();
    let rows = move || {
        (0..phones.with(Vec::len))
            .map(|i| {
                let kind = phones.with_untracked(|p| p[i].kind);
                view! {
                    <div class="row">
                        <select
                            aria-label=move || format!("{} {}", t.get().phone_kind, i + 1)
                            on:change=move |ev| {
                                let code = event_target_value(&ev);
                                if let Some(k) = PhoneKind::ALL.into_iter().find(|k| format!("{k:?}") == code) {
                                    phones.update(|p| p[i].kind = k);
                                }
                            }
                        >
                            {PhoneKind::ALL
                                .into_iter()
                                .map(|k| view! { <option value=format!("{k:?}") selected=k == kind>{text(t, phone_label(k))}</option> })
                                .collect_view()}
                        </select>
                        <input
                            type="tel"
                            aria-label=move || format!("{} {}", t.get().col_phone, i + 1)
                            prop:value=move || phones.with(|p| p.get(i).map(|p| p.number.clone()).unwrap_or_default())
                            on:input=move |ev| phones.update(|p| p[i].number = event_target_value(&ev))
                        />
                        <button type="button" class="plain" on:click=move |_| phones.update(|p| { p.remove(i); })>
                            {text(t, |t| t.remove)}
                        </button>
                    </div>
                }
            })
            .collect_view()
    };
    view! {
        <fieldset class="field">
            <legend>{text(t, |t| t.phones)}</legend>
            {rows}
            <button
                type="button"
                class="plain"
                on:click=move |_| phones.update(|p| p.push(Phone { kind: PhoneKind::Mobile, number: String::new() }))
            >
                {text(t, |t| t.add_phone)}
            </button>
        </fieldset>
    }
}

#[component]
fn AddressRows(addresses: RwSignal<Vec<Address>>) -> impl IntoView {
    let t = use_texts();
    type Part = (Label, fn(&Address) -> &String, fn(&mut Address, String));
    const PARTS: [Part; 5] = [
        (|t| t.street, |a| &a.street, |a, v| a.street = v),
        (|t| t.city, |a| &a.city, |a, v| a.city = v),
        (|t| t.region, |a| &a.region, |a, v| a.region = v),
        (
            |t| t.postal_code,
            |a| &a.postal_code,
            |a, v| a.postal_code = v,
        ),
        (|t| t.country, |a| &a.country, |a, v| a.country = v),
    ];
    let kinds = [AddressKind::Work, AddressKind::Home, AddressKind::Other];
    let rows = move || {
        (0..addresses.with(Vec::len))
            .map(|i| {
                let kind = addresses.with_untracked(|a| a[i].kind);
                view! {
                    <div class="address">
                        <select
                            aria-label=move || format!("{} {}", t.get().addresses, i + 1)
                            on:change=move |ev| {
                                let code = event_target_value(&ev);
                                if let Some(k) = kinds.into_iter().find(|k| format!("{k:?}") == code) {
                                    addresses.update(|a| a[i].kind = k);
                                }
                            }
                        >
                            {kinds
                                .into_iter()
                                .map(|k| view! { <option value=format!("{k:?}") selected=k == kind>{text(t, address_label(k))}</option> })
                                .collect_view()}
                        </select>
                        {PARTS
                            .into_iter()
                            .map(|(label, get, set)| {
                                view! {
                                    <input
                                        type="text"
                                        aria-label=move || format!("{} {}", label(t.get()), i + 1)
                                        placeholder=text(t, label)
                                        prop:value=move || addresses.with(|a| a.get(i).map(|a| get(a).clone()).unwrap_or_default())
                                        on:input=move |ev| addresses.update(|a| set(&mut a[i], event_target_value(&ev)))
                                    />
                                }
                            })
                            .collect_view()}
                        <button type="button" class="plain" on:click=move |_| addresses.update(|a| { a.remove(i); })>
                            {text(t, |t| t.remove)}
                        </button>
                    </div>
                }
            })
            .collect_view()
    };
    view! {
        <fieldset class="field">
            <legend>{text(t, |t| t.addresses)}</legend>
            {rows}
            <Show when=move || addresses.with(Vec::len) < MAX_ADDRESSES>
                <button
                    type="button"
                    class="plain"
                    on:click=move |_| addresses.update(|a| a.push(Address {
                        kind: AddressKind::Work,
                        street: String::new(),
                        city: String::new(),
                        region: String::new(),
                        postal_code: String::new(),
                        country: String::new(),
                    }))
                >
                    {text(t, |t| t.add_address)}
                </button>
            </Show>
        </fieldset>
    }
}
