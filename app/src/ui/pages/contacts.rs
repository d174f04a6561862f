//! The contacts' interactive parts (the Delete control) and the labels the pages share. The
//! list and a contact's page are rendered on the server (`ui/server_pages/contacts.rs`).

use crate::api::contacts::DeleteContact;
use crate::domain::model::contacts::{AddressKind, PhoneKind};
use crate::i18n::Texts;
use crate::ui::components::dialog::ConfirmDialog;
use crate::ui::components::field::{form_error, ErrorAlert};
use crate::ui::navigate::go;
use crate::ui::session::{text, use_texts};
use leptos::prelude::*;

pub fn phone_label(k: PhoneKind) -> fn(&'static Texts) -> &'static str {
    match k {
        PhoneKind::Mobile => |t| t.phone_mobile,
        PhoneKind::Work => |t| t.phone_work,
        PhoneKind::Work2 => |t| t.phone_work2,
        PhoneKind::Home => |t| t.phone_home,
        PhoneKind::Home2 => |t| t.phone_home2,
        PhoneKind::WorkFax => |t| t.phone_work_fax,
        PhoneKind::HomeFax => |t| t.phone_home_fax,
        PhoneKind::Pager => |t| t.phone_pager,
        PhoneKind::Car => |t| t.phone_car,
        PhoneKind::CompanyMain => |t| t.phone_company,
        PhoneKind::Assistant => |t| t.phone_assistant,
    }
}

pub fn address_label(k: AddressKind) -> fn(&'static Texts) -> &'static str {
    match k {
        AddressKind::Work => |t| t.addr_work,
        AddressKind::Home => |t| t.addr_home,
        AddressKind::Other => |t| t.addr_other,
    }
}

/// Delete, after confirmation; then back to the list.
#[component]
pub(super) fn DeleteContactButton(id: i64) -> impl IntoView {
    let t = use_texts();
    let delete = ServerAction::<DeleteContact>::new();
    let asking = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            go("/contacts");
        }
    });
    view! {
        <button type="button" class="danger" on:click=move |_| asking.set(true)>{text(t, |t| t.delete)}</button>
        <ErrorAlert message=form_error(delete.value(), t)/>
        <Show when=move || asking.get()>
            <ConfirmDialog
                title=Signal::derive(text(t, |t| t.contact_delete_title))
                message=Signal::derive(text(t, |t| t.contact_delete_confirm))
                ok_label=Signal::derive(text(t, |t| t.delete))
                cancel_label=Signal::derive(text(t, |t| t.cancel))
                on_ok=Callback::new(move |()| {
                    asking.set(false);
                    delete.dispatch(DeleteContact { id });
                })
                on_cancel=Callback::new(move |()| asking.set(false))
            />
        </Show>
    }
}
