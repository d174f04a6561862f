//! An audit trail as a table: when, by whom, what, from which address.

use crate::api::dto::{AuditAction, AuditEvent};
use crate::api::error::AppError;
use crate::i18n::Texts;
use crate::ui::components::field::ErrorAlert;
use crate::ui::format::utc_minute;
use crate::ui::resource::ServerResource;
use crate::ui::session::text;
use crate::ui::session::use_texts;
use leptos::prelude::*;

pub fn action_text(a: AuditAction, t: &Texts) -> &'static str {
    match a {
        AuditAction::UserCreated => t.audit_user_created,
        AuditAction::Deactivated => t.audit_deactivated,
        AuditAction::Reactivated => t.audit_reactivated,
        AuditAction::PasswordChanged => t.audit_password_changed,
        AuditAction::EmailChanged => t.audit_email_changed,
        AuditAction::TwoFactorOn => t.audit_two_factor_on,
        AuditAction::TwoFactorOff => t.audit_two_factor_off,
        AuditAction::TwoFactorReset => t.audit_two_factor_reset,
        AuditAction::TwoFactorRequired => t.audit_two_factor_required,
        AuditAction::TwoFactorNotRequired => t.audit_two_factor_not_required,
        AuditAction::OrgTwoFactorRequired => t.audit_org_two_factor_required,
        AuditAction::OrgTwoFactorNotRequired => t.audit_org_two_factor_not_required,
        AuditAction::ActiveSyncEnabled => t.audit_activesync_enabled,
        AuditAction::ActiveSyncDisabled => t.audit_activesync_disabled,
        AuditAction::SyncPasswordChanged => t.audit_sync_password_changed,
        AuditAction::SyncPasswordRemoved => t.audit_sync_password_removed,
        AuditAction::SyncPasswordCleared => t.audit_sync_password_cleared,
        AuditAction::OrgActiveSyncOn => t.audit_org_activesync_on,
        AuditAction::OrgActiveSyncOff => t.audit_org_activesync_off,
        AuditAction::KeyRotated => t.audit_key_rotated,
        AuditAction::DeviceBlocked => t.audit_device_blocked,
        AuditAction::DeviceUnblocked => t.audit_device_unblocked,
        AuditAction::PasswordReset => t.audit_password_reset,
        AuditAction::DeviceDeleted => t.audit_device_deleted,
        AuditAction::TwoFactorMethodChanged => t.audit_two_factor_method_changed,
        AuditAction::RecoveryCodesRenewed => t.audit_recovery_codes_renewed,
        AuditAction::RecoveryCodeUsed => t.audit_recovery_code_used,
        AuditAction::OrgTwoFactorAnyMethod => t.audit_org_two_factor_any_method,
        AuditAction::OrgTwoFactorAppOnly => t.audit_org_two_factor_app_only,
        AuditAction::MailSettingsChanged => t.audit_mail_settings_changed,
        AuditAction::ContactsSyncOn => t.audit_contacts_sync_on,
        AuditAction::ContactsSyncOff => t.audit_contacts_sync_off,
        AuditAction::CalendarSyncOn => t.audit_calendar_sync_on,
        AuditAction::CalendarSyncOff => t.audit_calendar_sync_off,
    }
}

#[component]
pub fn AuditTrail(events: Vec<AuditEvent>) -> impl IntoView {
    let t = use_texts();
    if events.is_empty() {
        return view! { <p class="muted">{text(t, |t| t.audit_empty)}</p> }.into_any();
    }
    let rows = events
        .into_iter()
        .map(|e| {
            let actor = e.actor.clone();
            view! {
                <tr>
                    <td data-label=text(t, |t| t.audit_when)>{utc_minute(e.at)}</td>
                    <td data-label=text(t, |t| t.audit_who)>
                        {move || actor.clone().unwrap_or_else(|| t.get().audit_command_line.to_string())}
                    </td>
                    <td data-label=text(t, |t| t.audit_what)>{move || action_text(e.action, t.get())}</td>
                    <td data-label=text(t, |t| t.audit_where)>{e.address.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="users audit stack">
            <thead>
                <tr>
                    <th scope="col">{text(t, |t| t.audit_when)}</th>
                    <th scope="col">{text(t, |t| t.audit_who)}</th>
                    <th scope="col">{text(t, |t| t.audit_what)}</th>
                    <th scope="col">{text(t, |t| t.audit_where)}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// The "Audit trail" card over a resource of events.
#[component]
pub fn AuditSection(events: ServerResource<Result<Vec<AuditEvent>, AppError>>) -> impl IntoView {
    let t = use_texts();
    view! {
        <section class="card" aria-labelledby="audit-title">
            <h2 id="audit-title">{text(t, |t| t.audit_title)}</h2>
            <Transition fallback=move || view! { <p>{text(t, |t| t.loading)}</p> }>
                {move || Suspend::new(async move {
                    match events.await {
                        Ok(events) => view! { <AuditTrail events=events/> }.into_any(),
                        Err(e) => view! { <ErrorAlert message=Signal::derive(move || Some(e.text(t.get())))/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
