//! Security notices: the mails a user gets when their account's protection changes, so a
//! change they did not make does not go unnoticed. Sent in the background: a notice that
//! cannot be delivered is logged and does not undo the change.

use crate::backend::mail::Email;
use crate::backend::state::AppState;
use crate::backend::store::users::UserRecord;
use crate::i18n::Lang;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    TwoFactorOn,
    TwoFactorOff,
    /// An admin reset it (lost phone or mailbox).
    TwoFactorReset,
    PasswordChanged,
    SyncPasswordChanged,
    /// An admin cleared it.
    SyncPasswordCleared,
    /// Sent to the old address.
    EmailChanged,
    /// Email ↔ app.
    TwoFactorMethodChanged,
    RecoveryCodeUsed,
    RecoveryCodesRenewed,
}

/// Queues the notice for `user` in their language; returns at once with the task that
/// delivers it (a short-lived command line waits for it, requests do not).
pub fn send(
    state: &AppState,
    user: &UserRecord,
    notice: Notice,
    browser: Lang,
) -> Option<tokio::task::JoinHandle<()>> {
    if user.email.trim().is_empty() {
        return None;
    }
    let email = notice_email(user.language.unwrap_or(browser), &user.email, notice);
    let mailer = state.mailer.clone();
    let user_id = user.id;
    Some(tokio::spawn(async move {
        if let Err(e) = mailer.send(email).await {
            tracing::warn!(
                user = %user_id,
                ?notice,
                "security notice not delivered: {e}"
            );
        }
    }))
}

pub fn notice_email(lang: Lang, to: &str, notice: Notice) -> Email {
    let t = lang.texts();
    let (subject, body) = match notice {
        Notice::TwoFactorOn => (t.mail_2fa_on_subject, t.mail_2fa_on_body),
        Notice::TwoFactorOff => (t.mail_2fa_off_subject, t.mail_2fa_off_body),
        Notice::TwoFactorReset => (t.mail_2fa_reset_subject, t.mail_2fa_reset_body),
        Notice::PasswordChanged => (t.mail_password_subject, t.mail_password_body),
        Notice::SyncPasswordChanged => (t.mail_sync_changed_subject, t.mail_sync_changed_body),
        Notice::SyncPasswordCleared => (t.mail_sync_cleared_subject, t.mail_sync_cleared_body),
        Notice::EmailChanged => (t.mail_email_changed_subject, t.mail_email_changed_body),
        Notice::TwoFactorMethodChanged => (t.mail_2fa_method_subject, t.mail_2fa_method_body),
        Notice::RecoveryCodeUsed => (t.mail_recovery_used_subject, t.mail_recovery_used_body),
        Notice::RecoveryCodesRenewed => (
            t.mail_recovery_renewed_subject,
            t.mail_recovery_renewed_body,
        ),
    };
    compose(
        lang,
        to,
        subject,
        &html_escape(body),
        body,
        t.mail_notice_not_you,
    )
}

/// A plain-text + HTML mail of one main paragraph (`main_html` is already escaped) and a
/// muted footer line.
pub fn compose(
    lang: Lang,
    to: &str,
    subject: &str,
    main_html: &str,
    main_text: &str,
    footer: &str,
) -> Email {
    Email {
        to: to.to_string(),
        subject: subject.to_string(),
        text: format!("{main_text}\n\n{footer}\n"),
        html: format!(
            "<!DOCTYPE html><html lang=\"{}\"><body><p>{main_html}</p><p style=\"color:#555\">{}</p></body></html>",
            lang.code(),
            html_escape(footer),
        ),
        outbox_hint: None,
    }
}

pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_say_what_changed_in_the_users_language() {
        let en = notice_email(Lang::En, "a@b.it", Notice::TwoFactorOff);
        assert_eq!(en.subject, "Two-factor authentication turned off");
        assert!(en.text.contains("turned off"));
        assert!(en.html.contains(r#"lang="en""#));
        let it = notice_email(Lang::It, "a@b.it", Notice::TwoFactorOn);
        assert_eq!(it.subject, "Autenticazione a 2 fattori attivata");
        assert!(it.text.contains("attivata"));
        assert!(it.outbox_hint.is_none(), "a notice carries no code");
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(html_escape("<a & b>"), "&lt;a &amp; b&gt;");
    }
}
