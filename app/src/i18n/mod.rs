//! English and Italian texts. Each language is one `Texts` value: a missing text is a
//! compile error, so the catalogues cannot drift apart.

mod en;
mod it;
mod negotiate;

pub use negotiate::from_accept_language;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    En,
    It,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::It];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::It => "it",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "it" => Some(Lang::It),
            _ => None,
        }
    }

    /// The language's own name, shown in the language picker.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::It => "Italiano",
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::En => &en::TEXTS,
            Lang::It => &it::TEXTS,
        }
    }
}

/// Replaces `{n}` in a template; the only placeholder the catalogues use.
pub fn fill(template: &str, n: impl std::fmt::Display) -> String {
    template.replace("{n}", &n.to_string())
}

pub struct Texts {
    pub app_name: &'static str,
    pub skip_to_content: &'static str,
    pub nav_preferences: &'static str,
    pub nav_users: &'static str,
    pub nav_logout: &'static str,
    pub signed_in_as: &'static str,
    pub loading: &'static str,

    pub login_title: &'static str,
    pub login_intro: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub sign_in: &'static str,
    pub signing_in: &'static str,
    pub logged_out: &'static str,

    pub preferences_title: &'static str,
    pub role_and_login: &'static str,
    pub administrator: &'static str,
    pub two_factor: &'static str,
    pub two_factor_off: &'static str,
    pub two_factor_email: &'static str,
    pub status: &'static str,
    pub status_active: &'static str,
    pub status_inactive: &'static str,
    pub email: &'static str,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub role: &'static str,
    pub role_admin: &'static str,
    pub role_user: &'static str,
    pub language: &'static str,
    pub language_browser: &'static str,
    pub language_saved: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub must_change_password: &'static str,

    pub change_password: &'static str,
    pub current_password: &'static str,
    pub new_password: &'static str,
    pub confirm_password: &'static str,
    pub password_hint: &'static str,
    pub save: &'static str,
    pub cancel: &'static str,
    pub password_changed: &'static str,

    pub users_title: &'static str,
    pub search: &'static str,
    pub search_label: &'static str,
    pub users_count: &'static str,
    pub no_users_match: &'static str,
    pub name: &'static str,
    pub open: &'static str,
    pub create_user: &'static str,
    pub initial_password: &'static str,
    pub make_admin: &'static str,
    pub create: &'static str,
    pub user_created: &'static str,
    pub back_to_users: &'static str,
    pub user_title: &'static str,
    pub account_actions: &'static str,
    pub deactivate: &'static str,
    pub reactivate: &'static str,
    pub user_deactivated: &'static str,
    pub user_reactivated: &'static str,
    pub created_at: &'static str,

    pub not_allowed_title: &'static str,
    pub not_allowed_body: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub go_home: &'static str,

    pub code_prompt: &'static str,
    pub code_sent_to: &'static str,
    pub verify: &'static str,
    pub send_new_code: &'static str,
    pub new_code_sent: &'static str,
    pub mail_code_subject: &'static str,
    pub mail_code_for_login: &'static str,
    pub mail_code_for_enrol: &'static str,
    pub mail_code_for_reauth: &'static str,
    pub mail_code_body: &'static str,
    pub mail_code_ignore: &'static str,

    pub err_login_failed: &'static str,
    pub err_code_wrong: &'static str,
    pub err_code_expired: &'static str,
    pub err_code_voided: &'static str,
    pub err_code_missing: &'static str,
    pub err_mail_failed: &'static str,
    pub err_too_soon: &'static str,
    pub err_rate_limited: &'static str,
    pub err_required: &'static str,
    pub err_too_long: &'static str,
    pub err_username_format: &'static str,
    pub err_username_taken: &'static str,
    pub err_email_format: &'static str,
    pub err_password_short: &'static str,
    pub err_password_same_as_username: &'static str,
    pub err_password_mismatch: &'static str,
    pub err_password_wrong: &'static str,
    pub err_password_unchanged: &'static str,
    pub err_cannot_deactivate_self: &'static str,
    pub err_user_not_found: &'static str,
    pub err_unauthenticated: &'static str,
    pub err_forbidden: &'static str,
    pub err_internal: &'static str,
    pub err_network: &'static str,
    pub err_sync_password_short: &'static str,
    pub err_sync_password_same_as_login: &'static str,
    pub err_sync_password_needed_with_two_factor: &'static str,
    pub activesync_title: &'static str,
    pub enable_activesync: &'static str,
    pub sync_password: &'static str,
    pub view_and_change: &'static str,
    pub sync_status_login: &'static str,
    pub sync_status_sync: &'static str,
    pub sync_status_awaiting: &'static str,
    pub sync_status_not_enabled: &'static str,
    pub sync_status_service_off: &'static str,
    pub sync_status_inactive: &'static str,
    pub change_sync_password: &'static str,
    pub show: &'static str,
    pub hide: &'static str,
    pub copy: &'static str,
    pub copied: &'static str,
    pub generate: &'static str,
    pub remove: &'static str,
    pub sync_none_set: &'static str,
    pub sync_password_hint: &'static str,
    pub clear_sync_password: &'static str,
    pub sync_cleared: &'static str,
    pub activesync_service: &'static str,
    pub audit_activesync_enabled: &'static str,
    pub audit_activesync_disabled: &'static str,
    pub audit_sync_password_changed: &'static str,
    pub audit_sync_password_removed: &'static str,
    pub audit_sync_password_cleared: &'static str,
    pub audit_org_activesync_on: &'static str,
    pub audit_org_activesync_off: &'static str,
    pub mail_sync_changed_subject: &'static str,
    pub mail_sync_changed_body: &'static str,
    pub mail_sync_cleared_subject: &'static str,
    pub mail_sync_cleared_body: &'static str,
    pub required: &'static str,
    pub err_reauth_required: &'static str,
    pub err_enrolment_required: &'static str,
    pub err_email_needed: &'static str,
    pub err_email_fixed_by_two_factor: &'static str,
    pub err_two_factor_required: &'static str,
    pub err_two_factor_already_on: &'static str,
    pub err_two_factor_already_off: &'static str,
    pub err_cannot_reset_own_two_factor: &'static str,
    pub mail_2fa_on_subject: &'static str,
    pub mail_2fa_on_body: &'static str,
    pub mail_2fa_off_subject: &'static str,
    pub mail_2fa_off_body: &'static str,
    pub mail_2fa_reset_subject: &'static str,
    pub mail_2fa_reset_body: &'static str,
    pub mail_password_subject: &'static str,
    pub mail_password_body: &'static str,
    pub mail_notice_not_you: &'static str,
    pub reauth_title_two_factor: &'static str,
    pub reauth_title: &'static str,
    pub reauth_intro: &'static str,
    pub reauth_password: &'static str,
    pub two_factor_intro: &'static str,
    pub two_factor_method: &'static str,
    pub two_factor_on_note: &'static str,
    pub two_factor_required_note: &'static str,
    pub two_factor_no_email_note: &'static str,
    pub enrol_code_sent: &'static str,
    pub two_factor_turned_on: &'static str,
    pub two_factor_turned_off: &'static str,
    pub enrol_title: &'static str,
    pub enrol_intro: &'static str,
    pub enrol_send: &'static str,
    pub enrol_no_email: &'static str,
    pub email_title: &'static str,
    pub email_hint: &'static str,
    pub email_saved: &'static str,
    pub email_none: &'static str,
    pub require_two_factor: &'static str,
    pub reset_two_factor: &'static str,
    pub two_factor_reset_done: &'static str,
    pub required_by_all_note: &'static str,
    pub saved: &'static str,
    pub security_title: &'static str,
    pub nav_settings: &'static str,
    pub settings_title: &'static str,
    pub require_two_factor_all: &'static str,
    pub require_all_hint: &'static str,
    pub audit_title: &'static str,
    pub audit_when: &'static str,
    pub audit_who: &'static str,
    pub audit_what: &'static str,
    pub audit_where: &'static str,
    pub audit_empty: &'static str,
    pub audit_command_line: &'static str,
    pub audit_user_created: &'static str,
    pub audit_deactivated: &'static str,
    pub audit_reactivated: &'static str,
    pub audit_password_changed: &'static str,
    pub audit_email_changed: &'static str,
    pub audit_two_factor_on: &'static str,
    pub audit_two_factor_off: &'static str,
    pub audit_two_factor_reset: &'static str,
    pub audit_two_factor_required: &'static str,
    pub audit_two_factor_not_required: &'static str,
    pub audit_org_two_factor_required: &'static str,
    pub audit_org_two_factor_not_required: &'static str,
}
