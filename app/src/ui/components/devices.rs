//! "Devices": the phones the ActiveSync door has seen for a user, when and from where, and
//! whether one keeps using an old password. Admins can block a device.

use crate::api::devices::{my_devices, user_devices, BlockDevice, DeleteDevice};
use crate::api::dto::Device;
use crate::domain::ids::UserId;
use crate::domain::model::activesync::DeviceFolder;
use crate::ui::components::field::{form_error, ErrorAlert};
use crate::ui::format::utc_minute;
use crate::ui::resource::server_resource;
use crate::ui::session::text;
use crate::ui::session::use_texts;
use leptos::prelude::*;

/// `user`: the admin's view of that user (with Block); `None`: the signed-in user's own list.
/// `block`: the admin page's action, so the page's audit trail follows a block at once.
#[component]
pub fn DevicesSection(
    user: Option<UserId>,
    #[prop(optional)] block: Option<ServerAction<BlockDevice>>,
    #[prop(optional)] remove: Option<ServerAction<DeleteDevice>>,
) -> impl IntoView {
    let t = use_texts();
    let block = block.unwrap_or_default();
    let remove = remove.unwrap_or_default();
    let devices = server_resource(
        move || (block.version().get(), remove.version().get()),
        move |_| async move {
            match user {
                Some(id) => user_devices(id).await,
                None => my_devices().await,
            }
        },
    );
    view! {
        <section class="card" aria-labelledby="devices-title">
            <h2 id="devices-title">{text(t, |t| t.devices_title)}</h2>
            <ErrorAlert message=form_error(block.value(), t)/>
            <ErrorAlert message=form_error(remove.value(), t)/>
            <Transition fallback=move || view! { <p>{text(t, |t| t.loading)}</p> }>
                {move || Suspend::new(async move {
                    match devices.await {
                        Ok(list) if list.is_empty() => {
                            view! { <p class="muted">{text(t, |t| t.devices_empty)}</p> }.into_any()
                        }
                        Ok(list) => view! { <DeviceTable list=list user=user block=block remove=remove/> }.into_any(),
                        Err(e) => view! { <ErrorAlert message=Signal::derive(move || Some(e.text(t.get())))/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// "Contacts: 1000 items, last sync 2026-11-24 09:30" per folder the device syncs.
fn synced_folders(folders: Vec<DeviceFolder>) -> impl IntoView {
    let t = use_texts();
    if folders.is_empty() {
        return view! { <span class="muted">{text(t, |t| t.device_syncs_nothing)}</span> }
            .into_any();
    }
    folders
        .into_iter()
        .map(|f| {
            let name = move || {
                if f.folder == "calendar" {
                    t.get().nav_calendar
                } else {
                    t.get().nav_contacts
                }
            };
            let when = f.last_sync.map(utc_minute).unwrap_or_default();
            view! {
                <div>
                    {name} ": " {f.items} " " {text(t, |t| t.device_items)} ", "
                    {text(t, |t| t.device_last_sync)} " " {when}
                </div>
            }
        })
        .collect_view()
        .into_any()
}

#[component]
fn DeviceTable(
    list: Vec<Device>,
    user: Option<UserId>,
    block: ServerAction<BlockDevice>,
    remove: ServerAction<DeleteDevice>,
) -> impl IntoView {
    let t = use_texts();
    let rows = list
        .into_iter()
        .map(|d| {
            let state = move || {
                if d.blocked {
                    t.get().device_blocked
                } else if d.old_password {
                    t.get().device_old_password
                } else {
                    t.get().device_ok
                }
            };
            let warn = d.blocked || d.old_password;
            let action = user.map(|uid| {
                let (id, blocked) = (d.id, d.blocked);
                view! {
                    <td>
                        <button
                            type="button"
                            class=if blocked { "plain" } else { "danger" }
                            disabled=move || block.pending().get()
                            on:click=move |_| {
                                block.dispatch(BlockDevice { id: uid, device: id, blocked: !blocked });
                            }
                        >
                            {move || if blocked { t.get().unblock } else { t.get().block }}
                        </button>
                        " "
                        <button
                            type="button"
                            class="plain"
                            disabled=move || remove.pending().get()
                            on:click=move |_| {
                                remove.dispatch(DeleteDevice { id: uid, device: id });
                            }
                        >
                            {text(t, |t| t.remove_device)}
                        </button>
                    </td>
                }
            });
            view! {
                <tr>
                    <td data-label=text(t, |t| t.col_device)>
                        <code>{d.device_id.clone()}</code>
                        " "
                        <span class="muted">{d.device_type.clone()}</span>
                    </td>
                    <td data-label=text(t, |t| t.col_model)>{d.model.clone()}</td>
                    <td data-label=text(t, |t| t.col_protocol)>{d.protocol_version.clone()}</td>
                    <td data-label=text(t, |t| t.col_first_seen)>{utc_minute(d.first_seen)}</td>
                    <td data-label=text(t, |t| t.col_last_seen)>{utc_minute(d.last_seen)}</td>
                    <td data-label=text(t, |t| t.col_address)>{d.last_address.clone()}</td>
                    <td data-label=text(t, |t| t.col_syncs)>{synced_folders(d.folders.clone())}</td>
                    <td data-label=text(t, |t| t.col_state) class:warning=warn>{state}</td>
                    {action}
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="users devices stack">
            <thead>
                <tr>
                    <th scope="col">{text(t, |t| t.col_device)}</th>
                    <th scope="col">{text(t, |t| t.col_model)}</th>
                    <th scope="col">{text(t, |t| t.col_protocol)}</th>
                    <th scope="col">{text(t, |t| t.col_first_seen)}</th>
                    <th scope="col">{text(t, |t| t.col_last_seen)}</th>
                    <th scope="col">{text(t, |t| t.col_address)}</th>
                    <th scope="col">{text(t, |t| t.col_syncs)}</th>
                    <th scope="col">{text(t, |t| t.col_state)}</th>
                    {user.is_some().then(|| view! { <th scope="col"></th> })}
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
