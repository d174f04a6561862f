//! The sync password dialogs: view and change (after re-authentication), and the one that
//! comes with turning 2FA on (SPEC 1.3).

use crate::api::activesync::{
    ChangeSyncPassword, GenerateSyncPassword, RemoveSyncPassword, ViewSyncPassword,
};
use crate::api::two_factor::StartEnrolment;
use crate::ui::clipboard::copy_to_clipboard;
use crate::ui::components::dialog::focus_on_open;
use crate::ui::components::field::{field_error, form_error, ErrorAlert, Field, StatusNote};
use crate::ui::components::reauth::ReauthAction;
use crate::ui::session::text;
use crate::ui::session::use_texts;
use leptos::prelude::*;

/// "Change ActiveSync password": fetched (and re-authenticated) when it opens.
#[component]
pub(super) fn SyncPasswordDialog(two_factor: bool, close: Callback<bool>) -> impl IntoView {
    let t = use_texts();
    // Viewing asks for the re-authentication as the dialog opens; giving it up closes it.
    let view_action = ReauthAction::<ViewSyncPassword>::on_cancel(move || close.run(false));
    let form = NodeRef::<leptos::html::Form>::new();
    let change = ReauthAction::<ChangeSyncPassword>::for_form(form);
    let remove = ReauthAction::<RemoveSyncPassword>::new();
    let shown = RwSignal::new(false);
    let copied = RwSignal::new(None::<&'static str>);
    view_action.dispatch(ViewSyncPassword {});
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
                    <ActionForm action=change.action() node_ref=form attr:aria-labelledby="sync-dialog-title">
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
/// the enrolment request and is saved together with 2FA once the code (emailed, or from the
/// app) is typed.
#[component]
pub fn EnrolSyncPasswordDialog(
    action: ReauthAction<StartEnrolment>,
    form: NodeRef<leptos::html::Form>,
    /// The method being turned on (`"email"` or `"app"`).
    method: &'static str,
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
                <ActionForm action=action.action() node_ref=form attr:aria-labelledby="sync-dialog-title">
                    <input type="hidden" name="resend" value="false"/>
                    <input type="hidden" name="method" value=method/>
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
