//! The ActiveSync block (SPEC 1.2): which password devices must use now, in words, and for the
//! owner "View and change", which opens "Change ActiveSync password" after re-authentication.

use crate::api::dto::{DeviceCredential, Profile, TwoFactorMethod};
use crate::api::users::SetUserActivesync;
use crate::domain::activesync::Refusal;
use crate::domain::ids::UserId;
use crate::i18n::{fill, Texts};
use crate::ui::components::field::{form_error, ErrorAlert, Switch};
use crate::ui::format::utc_minute;
use crate::ui::session::text;
use crate::ui::session::use_texts;
use leptos::prelude::*;

mod dialogs;

pub use dialogs::EnrolSyncPasswordDialog;
use dialogs::SyncPasswordDialog;

/// The status line: which password devices must use, or why they are refused.
pub fn status_text(p: &Profile, t: &Texts) -> String {
    match p.device_credential {
        DeviceCredential::LoginPassword => t.sync_status_login.to_string(),
        DeviceCredential::SyncPassword => fill(
            t.sync_status_sync,
            p.sync_password_set_at.map(utc_minute).unwrap_or_default(),
        ),
        DeviceCredential::Refused(Refusal::AwaitingSyncPassword) => {
            t.sync_status_awaiting.to_string()
        }
        DeviceCredential::Refused(Refusal::NotEnabled) => t.sync_status_not_enabled.to_string(),
        DeviceCredential::Refused(Refusal::ServiceOff) => t.sync_status_service_off.to_string(),
        DeviceCredential::Refused(Refusal::Inactive) => t.sync_status_inactive.to_string(),
        DeviceCredential::Refused(Refusal::TemporaryPassword) => {
            t.sync_status_temporary_password.to_string()
        }
    }
}

#[component]
pub fn ActiveSyncBlock(
    profile: Profile,
    /// The owner's own page: "View and change" is offered (admins only see the state).
    owner: bool,
    #[prop(into)] changed: Callback<()>,
    /// An admin's controls, first in the block ("Enable ActiveSync" above the password).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let t = use_texts();
    let open = RwSignal::new(false);
    // Plain values captured by closures, not a StoredValue (see `kv_row`).
    let warn = matches!(
        profile.device_credential,
        DeviceCredential::Refused(Refusal::AwaitingSyncPassword)
    );
    let set_at = profile.sync_password_set_at;
    let two_factor = profile.two_factor != TwoFactorMethod::Off;
    // The user sees the password and the setup help once ActiveSync is on for them (SPEC 1.2);
    // an admin looking at a user sees the state either way.
    let shown = profile.activesync_enabled || !owner;
    let for_status = profile.clone();
    view! {
        <section class="card" aria-labelledby="activesync-title">
            <h2 id="activesync-title">{text(t, |t| t.activesync_title)}</h2>
            {children.map(|c| c())}
            {shown
                .then(|| {
                    view! {
                        <dl class="kv-grid">
                            <div class="kv">
                                <dt>{text(t, |t| t.sync_password)}</dt>
                                <dd>
                                    {if owner {
                                        view! {
                                            // A link, as SPEC 1.2 and the source documents call it.
                                            <a
                                                href="#activesync-title"
                                                on:click=move |ev: leptos::ev::MouseEvent| {
                                                    ev.prevent_default();
                                                    open.set(true);
                                                }
                                            >
                                                {text(t, |t| t.view_and_change)}
                                            </a>
                                        }
                                            .into_any()
                                    } else {
                                        view! {
                                            {move || set_at.map(utc_minute)
                                                .unwrap_or_else(|| t.get().sync_none_set.to_string())}
                                        }
                                            .into_any()
                                    }}
                                </dd>
                            </div>
                        </dl>
                    }
                })}
            <p id="sync-status" class:alert=warn class:warning=warn>
                {move || status_text(&for_status, t.get())}
            </p>
            {(owner && warn)
                .then(|| {
                    view! {
                        <p>
                            <button type="button" on:click=move |_| open.set(true)>
                                {text(t, |t| t.sync_prompt_action)}
                            </button>
                        </p>
                    }
                })}
            {shown.then(|| view! { <DeviceSetupHelp profile=profile/> })}
            <Show when=move || open.get()>
                <SyncPasswordDialog
                    two_factor=two_factor
                    close=Callback::new(move |changed_it: bool| {
                        open.set(false);
                        // The page reloads the profile: the status line shows the new state.
                        if changed_it {
                            changed.run(());
                        }
                    })
                />
            </Show>
        </section>
    }
}

/// "Enable ActiveSync" for one user (admins only, SPEC 1.2): on a user's page and on an admin's
/// own.
#[component]
pub fn EnableActiveSync(
    user: UserId,
    checked: bool,
    action: ServerAction<SetUserActivesync>,
) -> impl IntoView {
    let t = use_texts();
    view! {
        <Switch
            id="activesync_enabled"
            label=Signal::derive(text(t, |t| t.enable_activesync))
            checked=checked
            busy=action.pending()
            on_change=Callback::new(move |on| {
                action.dispatch(SetUserActivesync { id: user, enabled: on });
            })
        />
        <ErrorAlert message=form_error(action.value(), t)/>
    }
}

/// What to type on a phone, as the source guide lists it: the values come from the public URL
/// and the user's own account, and the password line follows the SPEC 1.1 policy.
#[component]
fn DeviceSetupHelp(profile: Profile) -> impl IntoView {
    let t = use_texts();
    let endpoint = profile.device_endpoint.clone();
    let credential = profile.device_credential;
    let password = move || match credential {
        DeviceCredential::LoginPassword => t.get().setup_password_login,
        DeviceCredential::SyncPassword => t.get().setup_password_sync,
        DeviceCredential::Refused(_) => t.get().setup_password_none,
    };
    let ssl = endpoint.ssl;
    // Plain closures rather than derived signals (see `kv_row`).
    let row = |label: fn(&Texts) -> &'static str,
               value: AnyView,
               note: Option<fn(&Texts) -> &'static str>| {
        view! {
            <tr>
                <th scope="row">{move || label(t.get())}</th>
                <td>{value}</td>
                <td class="muted">{move || note.map(|n| n(t.get()))}</td>
            </tr>
        }
    };
    view! {
        <details class="device-setup">
            <summary>{text(t, |t| t.setup_title)}</summary>
            <p>{text(t, |t| t.setup_intro)}</p>
            <table class="list">
                <thead>
                    <tr>
                        <th scope="col">{text(t, |t| t.setup_value)}</th>
                        <th scope="col">{text(t, |t| t.setup_what)}</th>
                        <th scope="col"></th>
                    </tr>
                </thead>
                <tbody>
                    {row(|t| t.setup_email, view! { "—" }.into_any(), Some(|t| t.setup_email_note))}
                    {row(|t| t.setup_username, view! { <code>{profile.username.clone()}</code> }.into_any(), None)}
                    {row(|t| t.setup_password, view! { {password} }.into_any(), None)}
                    {row(|t| t.setup_server, view! { <code>{endpoint.host.clone()}</code> }.into_any(), Some(|t| t.setup_server_note))}
                    {row(|t| t.setup_port, view! { <code>{endpoint.port}</code> }.into_any(), None)}
                    {row(
                        |t| t.setup_ssl,
                        view! { {move || if ssl { t.get().setup_ssl_on } else { t.get().setup_ssl_off }} }.into_any(),
                        None,
                    )}
                    {row(|t| t.setup_domain, view! { "—" }.into_any(), Some(|t| t.setup_domain_note))}
                </tbody>
            </table>
            <p>{text(t, |t| t.setup_finally)}</p>
        </details>
    }
}

/// Every page tells a user whose devices wait for a sync password (an admin enabled
/// ActiveSync after they turned 2FA on) and leads them to the block where they set it.
#[island]
pub fn SyncPasswordPrompt() -> impl IntoView {
    let t = use_texts();
    let session = crate::ui::session::use_session();
    let needed = move || {
        session.with(|s| {
            s.user
                .as_ref()
                .is_some_and(|u| u.sync_password_needed && !u.must_enrol)
        })
    };
    view! {
        <Show when=needed>
            <p class="alert warning" role="alert" id="sync-prompt">
                {text(t, |t| t.sync_prompt)} " "
                <a href="/preferences#activesync-title">{text(t, |t| t.sync_prompt_action)}</a>
            </p>
        </Show>
    }
}
