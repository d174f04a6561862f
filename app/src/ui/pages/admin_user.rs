//! /admin/users/:id: one user, with the admin-only controls.

use crate::api::devices::{BlockDevice, DeleteDevice};
use crate::api::dto::{Profile, TwoFactorMethod};
use crate::api::users::{
    get_user, user_audit, ClearUserSyncPassword, ResetUserPassword, ResetUserTwoFactor,
    SetUserActive, SetUserActivesync, SetUserEmail, SetUserTwoFactorRequired,
};
use crate::domain::ids::UserId;
use crate::ui::components::activesync::{ActiveSyncBlock, EnableActiveSync};
use crate::ui::components::audit_trail::AuditSection;
use crate::ui::components::devices::DevicesSection;
use crate::ui::components::field::{
    field_error, form_error, EmailField, ErrorAlert, Field, StatusNote, Switch,
};
use crate::ui::components::reauth::ReauthAction;
use crate::ui::components::role_and_login::RoleAndLogin;
use crate::ui::resource::server_resource;
use crate::ui::session::text;
use crate::ui::session::{refresh_session, use_session, use_texts};
use leptos::prelude::*;

/// `id`: the user of the page (none when the address holds no number: "not found").
#[component]
pub(super) fn User(id: Option<UserId>) -> impl IntoView {
    let t = use_texts();
    let id = move || id;
    let set_active = ReauthAction::<SetUserActive>::new();
    let require = ReauthAction::<SetUserTwoFactorRequired>::new();
    let reset = ReauthAction::<ResetUserTwoFactor>::new();
    let password_form = NodeRef::<leptos::html::Form>::new();
    let password = ReauthAction::<ResetUserPassword>::for_form(password_form);
    let email_form = NodeRef::<leptos::html::Form>::new();
    let email = ReauthAction::<SetUserEmail>::for_form(email_form);
    let block = ServerAction::<BlockDevice>::new();
    let remove = ServerAction::<DeleteDevice>::new();
    let sync = SyncActions {
        enable: ServerAction::<SetUserActivesync>::new(),
        clear: ReauthAction::<ClearUserSyncPassword>::new(),
    };
    let changes = move || {
        (
            set_active.version().get(),
            require.version().get(),
            reset.version().get(),
            password.version().get(),
            email.version().get(),
            sync.enable.version().get(),
            sync.clear.version().get(),
            block.version().get(),
            remove.version().get(),
        )
    };
    let user = server_resource(
        move || (id(), changes()),
        |(id, _)| async move {
            match id {
                Some(id) => get_user(id).await,
                None => Err(crate::api::error::AppError::NotFound),
            }
        },
    );
    let audit = server_resource(
        move || (id(), changes()),
        |(id, _)| async move {
            match id {
                Some(id) => user_audit(id).await,
                None => Ok(Vec::new()),
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
            <a href="/admin/users">{text(t, |t| t.back_to_users)}</a>
        </p>
        <Transition fallback=move || view! { <p>{text(t, |t| t.loading)}</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(p) => {
                        let uid = p.id;
                        let active = p.active;
                        view! {
                            <h1>{text(t, |t| t.user_title)} ": " {p.username.clone()}</h1>
                            <RoleAndLogin profile=p.clone()/>
                            <ActiveSyncControls profile=p.clone() actions=sync/>
                            <SecurityControls profile=p.clone() require=require reset=reset/>
                            <EmailEdit profile=p.clone() action=email form=email_form/>
                            <PasswordReset id=uid action=password form=password_form/>
                            <section class="card" aria-labelledby="account-title">
                                <h2 id="account-title">{text(t, |t| t.account_actions)}</h2>
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
        {move || id().map(|uid| view! { <DevicesSection user=Some(uid) block=block remove=remove/> })}
        <AuditSection events=audit/>
    }
}

#[derive(Clone, Copy)]
struct SyncActions {
    enable: ServerAction<SetUserActivesync>,
    clear: ReauthAction<ClearUserSyncPassword>,
}

/// "Enable ActiveSync" and "Clear ActiveSync password", beside the state the user sees.
#[component]
fn ActiveSyncControls(profile: Profile, actions: SyncActions) -> impl IntoView {
    let t = use_texts();
    let uid = profile.id;
    let has_password = profile.sync_password_set_at.is_some();
    let enabled = profile.activesync_enabled;
    let cleared = Signal::derive(move || {
        matches!(actions.clear.value().get(), Some(Ok(_))).then(|| t.get().sync_cleared)
    });
    view! {
        <ActiveSyncBlock profile=profile owner=false changed=Callback::new(|()| ())>
            <EnableActiveSync user=uid checked=enabled action=actions.enable/>
            <button
                type="button"
                class="danger"
                disabled=move || !has_password || actions.clear.pending().get()
                on:click=move |_| {
                    actions.clear.dispatch(ClearUserSyncPassword { id: uid });
                }
            >
                {text(t, |t| t.clear_sync_password)}
            </button>
            <ErrorAlert message=form_error(actions.clear.value(), t)/>
            <StatusNote message=cleared/>
        </ActiveSyncBlock>
    }
}

/// The admin-only 2FA controls: require it for this user, reset it.
#[component]
fn SecurityControls(
    profile: Profile,
    require: ReauthAction<SetUserTwoFactorRequired>,
    reset: ReauthAction<ResetUserTwoFactor>,
) -> impl IntoView {
    let t = use_texts();
    let session = use_session();
    let uid = profile.id;
    let is_me = session.with_untracked(|s| s.user.as_ref().is_some_and(|u| u.id == uid));
    // Requiring 2FA of oneself takes effect at once: learn it, and the guard takes the admin
    // to enrolment.
    Effect::new(move |_| {
        if is_me && matches!(require.value().get(), Some(Ok(_))) {
            refresh_session(session);
        }
    });
    let reset_done = Signal::derive(move || {
        matches!(reset.value().get(), Some(Ok(_))).then(|| t.get().two_factor_reset_done)
    });
    let saved =
        Signal::derive(move || matches!(require.value().get(), Some(Ok(_))).then(|| t.get().saved));
    let can_reset = profile.two_factor != TwoFactorMethod::Off && !is_me;
    view! {
        <section class="card" aria-labelledby="security-title">
            <h2 id="security-title">{text(t, |t| t.security_title)}</h2>
            <Switch
                id="require_two_factor"
                label=Signal::derive(text(t, |t| t.require_two_factor))
                checked=profile.two_factor_required
                busy=require.pending()
                on_change=Callback::new(move |on| {
                    require.dispatch(SetUserTwoFactorRequired { id: uid, required: on });
                })
            />
            {profile.required_for_all.then(|| view! { <p class="hint">{text(t, |t| t.required_by_all_note)}</p> })}
            <ErrorAlert message=form_error(require.value(), t)/>
            <StatusNote message=saved/>
            <button
                type="button"
                class="danger"
                disabled=move || !can_reset || reset.pending().get()
                on:click=move |_| {
                    reset.dispatch(ResetUserTwoFactor { id: uid });
                }
            >
                {text(t, |t| t.reset_two_factor)}
            </button>
            {move || field_error(reset.value(), "two_factor", t).get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <ErrorAlert message=form_error(reset.value(), t)/>
            <StatusNote message=reset_done/>
        </section>
    }
}

/// "Reset login password": the admin types one, or leaves the field empty for one made up; the
/// new password is shown here once, and the user must change it at the next sign-in.
#[component]
fn PasswordReset(
    id: UserId,
    action: ReauthAction<ResetUserPassword>,
    form: NodeRef<leptos::html::Form>,
) -> impl IntoView {
    let t = use_texts();
    let value = action.value();
    let made = Memo::new(move |_| {
        value.with(|v| {
            v.as_ref()
                .and_then(|r| r.as_ref().ok())
                .map(|r| r.password.clone())
        })
    });
    view! {
        <section class="card" aria-labelledby="password-reset-title">
            <h2 id="password-reset-title">{text(t, |t| t.reset_login_password)}</h2>
            <p>{text(t, |t| t.reset_login_password_intro)}</p>
            <ErrorAlert message=form_error(value, t)/>
            <ActionForm action=action.action() node_ref=form attr:aria-labelledby="password-reset-title">
                <input type="hidden" name="id" value=id.0.to_string()/>
                <Field
                    name="new_password"
                    kind="password"
                    autocomplete="new-password"
                    label=Signal::derive(text(t, |t| t.new_password))
                    hint=Signal::derive(text(t, |t| t.reset_login_password_hint))
                    error=field_error(value, "new_password", t)
                />
                <button type="submit" disabled=move || action.pending().get()>
                    {text(t, |t| t.reset_login_password)}
                </button>
            </ActionForm>
            {move || {
                made.get()
                    .map(|pw| {
                        view! {
                            <div class="field">
                                <label for="reset_password_shown">{text(t, |t| t.reset_login_password_shown)}</label>
                                <input id="reset_password_shown" readonly value=pw/>
                            </div>
                            <p role="status">{text(t, |t| t.reset_login_password_done)}</p>
                        }
                    })
            }}
        </section>
    }
}

/// "Email address": the admin corrects it; the old and the new address are told.
#[component]
fn EmailEdit(
    profile: Profile,
    action: ReauthAction<SetUserEmail>,
    form: NodeRef<leptos::html::Form>,
) -> impl IntoView {
    let t = use_texts();
    let value = action.value();
    let saved = Signal::derive(move || match value.get() {
        Some(Ok(_)) => Some(t.get().email_saved),
        _ => None,
    });
    view! {
        <section class="card" aria-labelledby="email-admin-title">
            <h2 id="email-admin-title">{text(t, |t| t.email_title)}</h2>
            <ErrorAlert message=form_error(value, t)/>
            <ActionForm action=action.action() node_ref=form attr:aria-labelledby="email-admin-title">
                <input type="hidden" name="id" value=profile.id.0.to_string()/>
                <EmailField
                    current=profile.email.clone()
                    autocomplete="off"
                    error=field_error(value, "email", t)
                    pending=action.pending()
                />
            </ActionForm>
            <StatusNote message=saved/>
        </section>
    }
}
