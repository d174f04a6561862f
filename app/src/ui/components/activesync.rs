//! The ActiveSync block (SPEC 1.2): which password devices must use now, in words, and for the
//! owner "View and change", which opens "Change ActiveSync password" after re-authentication.

use crate::api::activesync::{
    ChangeSyncPassword, GenerateSyncPassword, RemoveSyncPassword, ViewSyncPassword,
};
use crate::api::dto::{DeviceCredential, Profile, TwoFactorMethod};
use crate::api::two_factor::StartEnrolment;
use crate::domain::activesync::Refusal;
use crate::i18n::{fill, Texts};
use crate::ui::components::dialog::focus_on_open;
use crate::ui::components::field::{field_error, form_error, ErrorAlert, Field, StatusNote};
use crate::ui::components::reauth::{resubmit, retry_after_reauth};
use crate::ui::format::utc_minute;
use crate::ui::session::text;
use crate::ui::session::use_texts;
use leptos::prelude::*;

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
    let for_status = profile.clone();
    view! {
        <section class="card" aria-labelledby="activesync-title">
            <h2 id="activesync-title">{text(t, |t| t.activesync_title)}</h2>
            <dl class="kv-grid">
                <div class="kv">
                    <dt>{text(t, |t| t.sync_password)}</dt>
                    <dd>
                        {if owner {
                            view! {
                                <button type="button" class="link" on:click=move |_| open.set(true)>
                                    {text(t, |t| t.view_and_change)}
                                </button>
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
            <DeviceSetupHelp profile=profile/>
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
#[component]
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

/// "Change ActiveSync password": fetched (and re-authenticated) when it opens.
#[component]
fn SyncPasswordDialog(two_factor: bool, close: Callback<bool>) -> impl IntoView {
    let t = use_texts();
    let view_action = ServerAction::<ViewSyncPassword>::new();
    let change = ServerAction::<ChangeSyncPassword>::new();
    let remove = ServerAction::<RemoveSyncPassword>::new();
    let form = NodeRef::<leptos::html::Form>::new();
    let shown = RwSignal::new(false);
    let copied = RwSignal::new(None::<&'static str>);
    view_action.dispatch(ViewSyncPassword {});
    retry_after_reauth(
        view_action.value(),
        move || {
            view_action.dispatch(ViewSyncPassword {});
        },
        move || close.run(false),
    );
    retry_after_reauth(change.value(), resubmit(form), || ());
    retry_after_reauth(
        remove.value(),
        move || {
            remove.dispatch(RemoveSyncPassword {});
        },
        || (),
    );
    Effect::new(move |_| {
        if let Some(Ok(())) = change.value().get() {
            close.run(true);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = remove.value().get() {
            close.run(true);
        }
    });
    let current = Memo::new(move |_| {
        view_action.value().with(|v| {
            v.as_ref()
                .and_then(|r| r.as_ref().ok())
                .map(|v| v.current.clone())
        })
    });
    let value = change.value();

    view! {
        <div class="overlay" on:keydown=move |ev| if ev.key() == "Escape" { close.run(false) }>
            <div class="dialog card wide" role="dialog" aria-modal="true" aria-labelledby="sync-dialog-title">
                <h2 id="sync-dialog-title">{text(t, |t| t.change_sync_password)}</h2>
                <ErrorAlert message=form_error(view_action.value(), t)/>
                {move || {
                    current
                        .get()
                        .map(|current| match current {
                            Some(pw) => {
                                let for_copy = pw.clone();
                                view! {
                                    <div class="field">
                                        <label for="current_sync_password">{text(t, |t| t.current_password)}</label>
                                        <div class="buttons">
                                            <input
                                                id="current_sync_password"
                                                readonly
                                                type=move || if shown.get() { "text" } else { "password" }
                                                value=pw.clone()
                                            />
                                            <button type="button" class="plain" on:click=move |_| shown.update(|s| *s = !*s)>
                                                {move || if shown.get() { t.get().hide } else { t.get().show }}
                                            </button>
                                            <button
                                                type="button"
                                                class="plain"
                                                on:click=move |_| {
                                                    copy_to_clipboard(&for_copy);
                                                    copied.set(Some(t.get_untracked().copied));
                                                }
                                            >
                                                {text(t, |t| t.copy)}
                                            </button>
                                        </div>
                                        <StatusNote message=copied/>
                                    </div>
                                }
                                    .into_any()
                            }
                            None => view! { <p>{text(t, |t| t.sync_none_set)}</p> }.into_any(),
                        })
                }}
                <Show when=move || current.with(Option::is_some)>
                    <ErrorAlert message=form_error(value, t)/>
                    <ActionForm action=change node_ref=form attr:aria-labelledby="sync-dialog-title">
                        <NewSyncPasswordFields
                            new_error=field_error(value, "new_sync_password", t)
                            confirm_error=field_error(value, "confirm_sync_password", t)
                        />
                        <div class="buttons">
                            <button type="submit" disabled=move || change.pending().get()>
                                {text(t, |t| t.save)}
                            </button>
                            {(!two_factor)
                                .then(|| {
                                    view! {
                                        <Show when=move || current.with(|c| matches!(c, Some(Some(_))))>
                                            <button
                                                type="button"
                                                class="plain"
                                                on:click=move |_| {
                                                    remove.dispatch(RemoveSyncPassword {});
                                                }
                                            >
                                                {text(t, |t| t.remove)}
                                            </button>
                                        </Show>
                                    }
                                })}
                            <button type="button" class="plain" on:click=move |_| close.run(false)>
                                {text(t, |t| t.cancel)}
                            </button>
                        </div>
                    </ActionForm>
                    {move || field_error(remove.value(), "sync_password", t).get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                    <ErrorAlert message=form_error(remove.value(), t)/>
                </Show>
            </div>
        </div>
    }
}

/// "New password" and "Confirm password" with "Generate", which fills both with a strong
/// random password, shown so the user can read it.
#[component]
fn NewSyncPasswordFields(
    new_error: Signal<Option<String>>,
    confirm_error: Signal<Option<String>>,
) -> impl IntoView {
    let t = use_texts();
    let generate = ServerAction::<GenerateSyncPassword>::new();
    Effect::new(move |_| {
        if let Some(Ok(password)) = generate.value().get() {
            fill_new_password(&password);
        }
    });
    view! {
        <Field
            name="new_sync_password"
            kind="password"
            autocomplete="new-password"
            required=true
            label=Signal::derive(text(t, |t| t.new_password))
            hint=Signal::derive(text(t, |t| t.sync_password_hint))
            error=new_error
        />
        <Field
            name="confirm_sync_password"
            kind="password"
            autocomplete="new-password"
            required=true
            label=Signal::derive(text(t, |t| t.confirm_password))
            error=confirm_error
        />
        <p>
            <button
                type="button"
                class="plain"
                on:click=move |_| {
                    generate.dispatch(GenerateSyncPassword {});
                }
            >
                {text(t, |t| t.generate)}
            </button>
        </p>
    }
}

/// "Change ActiveSync password" while turning 2FA on (SPEC 1.3): the new password goes with
/// the enrolment request and is saved together with 2FA once the emailed code is typed.
#[component]
pub fn EnrolSyncPasswordDialog(
    action: ServerAction<StartEnrolment>,
    form: NodeRef<leptos::html::Form>,
    cancel: Callback<()>,
) -> impl IntoView {
    let t = use_texts();
    let value = action.value();
    focus_on_open("new_sync_password");
    view! {
        <div class="overlay" on:keydown=move |ev| if ev.key() == "Escape" { cancel.run(()) }>
            <div class="dialog card wide" role="dialog" aria-modal="true" aria-labelledby="sync-dialog-title">
                <h2 id="sync-dialog-title">{text(t, |t| t.change_sync_password)}</h2>
                <p class="hint">{text(t, |t| t.err_sync_password_needed_for_two_factor)}</p>
                <ErrorAlert message=form_error(value, t)/>
                <ActionForm action=action node_ref=form attr:aria-labelledby="sync-dialog-title">
                    <input type="hidden" name="resend" value="false"/>
                    <NewSyncPasswordFields
                        new_error=field_error(value, "new_sync_password", t)
                        confirm_error=field_error(value, "confirm_sync_password", t)
                    />
                    <div class="buttons">
                        <button type="submit" disabled=move || action.pending().get()>
                            {text(t, |t| t.save)}
                        </button>
                        <button type="button" class="plain" on:click=move |_| cancel.run(())>
                            {text(t, |t| t.cancel)}
                        </button>
                    </div>
                </ActionForm>
            </div>
        </div>
    }
}

/// Puts a generated password in both fields, shown, so the user can read it (browser only).
fn fill_new_password(password: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        for id in ["new_sync_password", "confirm_sync_password"] {
            if let Some(input) = document()
                .get_element_by_id(id)
                .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                input.set_value(password);
                input.set_type("text");
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = password;
}

fn copy_to_clipboard(text: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().navigator().clipboard().write_text(text);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
}
