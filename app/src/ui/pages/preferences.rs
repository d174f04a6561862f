//! /preferences: the signed-in user's own page.

use crate::api::calendar::SetTimeZone;
use crate::api::dto::Profile;
use crate::api::me::{my_profile, ChangePassword, SetFolderSync, SetLanguage};
use crate::api::users::SetUserActivesync;
use crate::i18n::Lang;
use crate::ui::components::activesync::{ActiveSyncBlock, EnableActiveSync};
use crate::ui::components::devices::DevicesSection;
use crate::ui::components::field::{
    field_error, form_error, new_password_fields, ErrorAlert, StatusNote, Switch,
};
use crate::ui::components::reauth::ReauthAction;
use crate::ui::components::role_and_login::RoleAndLogin;
use crate::ui::components::two_factor::{EmailActions, EmailForm, TwoFactorBlock};
use crate::ui::navigate::set_document_lang;
use crate::ui::resource::server_resource;
use crate::ui::session::text;
use crate::ui::session::{refresh_session, use_session, use_texts};
use leptos::prelude::*;

#[component]
pub(super) fn Preferences() -> impl IntoView {
    let t = use_texts();
    let session = use_session();
    let set_language = ServerAction::<SetLanguage>::new();
    let password_form = NodeRef::<leptos::html::Form>::new();
    let change_password = ReauthAction::<ChangePassword>::for_form(password_form);
    // Reload the profile after anything on this page changed it.
    let reload = RwSignal::new(0u32);
    let changed = Callback::new(move |()| {
        reload.update(|n| *n += 1);
        // The prompt for a missing sync password lives in the session.
        refresh_session(session);
    });
    let email = EmailActions::new(changed);
    // Recovery codes just made, shown once (they outlive the profile's reloads).
    let codes = RwSignal::new(None::<Vec<String>>);
    let profile = server_resource(
        move || (set_language.version().get(), reload.get()),
        |_| my_profile(),
    );
    Effect::new(move |_| {
        if let Some(Ok(info)) = set_language.value().get() {
            set_document_lang(info.lang.code());
            session.set(info);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = change_password.value().get() {
            session.update(|s| {
                if let Some(u) = s.user.as_mut() {
                    u.must_change_password = false;
                }
            });
        }
    });
    let must_change =
        move || session.with(|s| s.user.as_ref().is_some_and(|u| u.must_change_password));
    let is_admin = move || session.with(|s| s.user.as_ref().is_some_and(|u| u.is_admin));
    // An admin's own "Enable ActiveSync": the page reloads the profile after it.
    let enable = ServerAction::<SetUserActivesync>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = enable.value().get() {
            changed.run(());
        }
    });

    view! {
        <h1>{text(t, |t| t.preferences_title)}</h1>
        <Show when=must_change>
            <p class="alert warning" role="alert">{text(t, |t| t.must_change_password)}</p>
        </Show>
        <Transition fallback=move || view! { <p>{text(t, |t| t.loading)}</p> }>
            {move || Suspend::new(async move {
                match profile.await {
                    Ok(p) => view! {
                        <RoleAndLogin profile=p.clone()/>
                        {(p.activesync_enabled || is_admin())
                            .then(|| {
                                let (me, on) = (p.id, p.activesync_enabled);
                                view! {
                                    <ActiveSyncBlock profile=p.clone() owner=true changed=changed>
                                        {is_admin().then(|| view! { <EnableActiveSync user=me checked=on action=enable/> })}
                                    </ActiveSyncBlock>
                                }
                            })}
                        <SyncWithDevices profile=p.clone()/>
                        <TwoFactorBlock profile=p.clone() changed=changed codes=codes/>
                        <EmailForm profile=p.clone() actions=email/>
                        <TimeZoneForm current=p.time_zone.clone()/>
                        <LanguageForm profile=p action=set_language/>
                    }
                    .into_any(),
                    Err(e) => view! { <ErrorAlert message=Signal::derive(move || Some(e.text(t.get())))/> }.into_any(),
                }
            })}
        </Transition>
        <ChangePasswordForm action=change_password form=password_form/>
        <DevicesSection user=None/>
    }
}

/// "Sync with my devices": which folders the user's phones receive.
#[component]
fn SyncWithDevices(profile: Profile) -> impl IntoView {
    let t = use_texts();
    let action = ServerAction::<SetFolderSync>::new();
    let saved = Signal::derive(move || {
        matches!(action.value().get(), Some(Ok(_))).then(|| t.get().sync_devices_saved)
    });
    let switch = move |folder: &'static str| {
        Callback::new(move |on| {
            action.dispatch(SetFolderSync {
                folder: folder.to_string(),
                on,
            });
        })
    };
    view! {
        <section class="card" aria-labelledby="sync-devices-title">
            <h2 id="sync-devices-title">{text(t, |t| t.sync_devices_title)}</h2>
            <p class="hint" id="sync-devices-hint">{text(t, |t| t.sync_devices_intro)}</p>
            <Switch
                id="sync_contacts"
                label=Signal::derive(text(t, |t| t.folder_contacts))
                checked=profile.sync_contacts
                busy=action.pending()
                described_by="sync-devices-hint"
                on_change=switch("contacts")
            />
            <Switch
                id="sync_calendar"
                label=Signal::derive(text(t, |t| t.folder_calendar))
                checked=profile.sync_calendar
                busy=action.pending()
                described_by="sync-devices-hint"
                on_change=switch("calendar")
            />
            <ErrorAlert message=form_error(action.value(), t)/>
            <StatusNote message=saved/>
        </section>
    }
}

/// The zone the calendar is shown in and new events start in (a `<datalist>` of zone names
/// is written by the page, outside the island).
#[component]
fn TimeZoneForm(current: String) -> impl IntoView {
    let t = use_texts();
    let action = ServerAction::<SetTimeZone>::new();
    let zone = RwSignal::new(if current.is_empty() {
        "UTC".to_string()
    } else {
        current
    });
    let saved = Signal::derive(move || {
        matches!(action.value().get(), Some(Ok(_))).then(|| t.get().time_zone_saved)
    });
    let error = field_error(action.value(), "time_zone", t);
    Effect::new(move |_| {
        if let Some(Ok(name)) = action.value().get() {
            zone.set(name);
        }
    });
    view! {
        <section class="card" aria-labelledby="time-zone-title">
            <h2 id="time-zone-title">{text(t, |t| t.time_zone)}</h2>
            <form
                class="field inline"
                on:submit=move |ev| {
                    ev.prevent_default();
                    action.dispatch(SetTimeZone { time_zone: zone.get_untracked() });
                }
            >
                <label for="time_zone">{text(t, |t| t.time_zone)}</label>
                <input
                    id="time_zone"
                    type="text"
                    list="time-zones"
                    prop:value=zone
                    on:input=move |ev| zone.set(event_target_value(&ev))
                    aria-invalid=move || error.with(Option::is_some).then_some("true")
                />
                <button type="submit" disabled=move || action.pending().get()>{text(t, |t| t.save)}</button>
            </form>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <ErrorAlert message=form_error(action.value(), t)/>
            <StatusNote message=saved/>
        </section>
    }
}

#[component]
fn LanguageForm(profile: Profile, action: ServerAction<SetLanguage>) -> impl IntoView {
    let t = use_texts();
    let current = profile.language.map(Lang::code).unwrap_or("");
    let saved = Signal::derive(move || {
        matches!(action.value().get(), Some(Ok(_))).then(|| t.get().language_saved)
    });
    view! {
        <section class="card" aria-labelledby="language-title">
            <h2 id="language-title">{text(t, |t| t.language)}</h2>
            <div class="field inline">
                <label for="language">{text(t, |t| t.language)}</label>
                <select
                    id="language"
                    name="language"
                    on:change=move |ev| {
                        action.dispatch(SetLanguage { language: event_target_value(&ev) });
                    }
                >
                    <option value="" selected=current.is_empty()>
                        {text(t, |t| t.language_browser)}
                    </option>
                    {Lang::ALL
                        .into_iter()
                        .map(|l| {
                            view! {
                                <option value=l.code() selected=current == l.code()>
                                    {l.native_name()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <ErrorAlert message=form_error(action.value(), t)/>
            <StatusNote message=saved/>
        </section>
    }
}

#[component]
fn ChangePasswordForm(
    action: ReauthAction<ChangePassword>,
    form: NodeRef<leptos::html::Form>,
) -> impl IntoView {
    let t = use_texts();
    let value = action.value();
    let done = Signal::derive(move || {
        matches!(value.get(), Some(Ok(()))).then(|| t.get().password_changed)
    });
    Effect::new(move |_| {
        if let (Some(Ok(())), Some(form)) = (value.get(), form.get()) {
            form.reset();
        }
    });
    view! {
        <section class="card" aria-labelledby="password-title">
            <h2 id="password-title">{text(t, |t| t.change_password)}</h2>
            <ErrorAlert message=form_error(value, t)/>
            <ActionForm action=action.action() node_ref=form attr:aria-labelledby="password-title">
                {new_password_fields(value, t)}
                <button type="submit" disabled=move || action.pending().get()>
                    {text(t, |t| t.save)}
                </button>
            </ActionForm>
            <StatusNote message=done/>
        </section>
    }
}
