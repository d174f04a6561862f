//! The emailed second factor: sending a code for a purpose in the user's language, and
//! turning a refused code into the message for the code field.

use crate::backend::error::Error;
use crate::backend::mail::notices::compose;
use crate::backend::mail::Email;
use crate::backend::second_factor::codes::{self, Purpose, Refusal};
use crate::backend::state::AppState;
use crate::backend::store::users::UserRecord;
use crate::domain::ids::UserId;
use crate::domain::messages::Msg;
use crate::domain::otp::CodeProblem;
use crate::i18n::Lang;

/// What asking for a code did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeSent {
    /// A new code is on its way.
    Sent,
    /// A code of this purpose sent less than a minute ago is still the one to type.
    StillValid,
    /// No new code may go out for this many seconds (one a minute, five an hour).
    Wait(u64),
}

impl CodeSent {
    /// For a step that shows the wait beside the code field.
    pub fn wait_secs(self) -> Option<u64> {
        match self {
            CodeSent::Wait(secs) => Some(secs),
            CodeSent::Sent | CodeSent::StillValid => None,
        }
    }

    /// For "Send a new code" and other requests that fail when nothing could be sent.
    pub fn or_too_soon(self) -> Result<(), Error> {
        match self {
            CodeSent::Wait(retry_after_secs) => Err(Error::TooSoon { retry_after_secs }),
            CodeSent::Sent | CodeSent::StillValid => Ok(()),
        }
    }
}

/// Issues a code and mails it. `new_one`: the user asked for a new code ("Send a new code"),
/// so a code still valid does not count and the wait applies.
pub async fn send_code(
    state: &AppState,
    user: &UserRecord,
    purpose: Purpose,
    lang: Lang,
    new_one: bool,
) -> Result<CodeSent, Error> {
    send_code_to(state, user, &user.email, purpose, lang, new_one).await
}

/// As `send_code`, to `to` (a new address being proven) instead of the user's address.
pub async fn send_code_to(
    state: &AppState,
    user: &UserRecord,
    to: &str,
    purpose: Purpose,
    lang: Lang,
    new_one: bool,
) -> Result<CodeSent, Error> {
    // A code for a new address proves that address: it is bound to it.
    let bound = if purpose == Purpose::EmailChange {
        to
    } else {
        ""
    };
    let code = match codes::issue_bound(state, user.id, purpose, bound).await? {
        Ok(code) => code,
        Err(Refusal::TooSoon(secs)) => {
            if !new_one && codes::has_live_code(state, user.id, purpose).await? {
                return Ok(CodeSent::StillValid);
            }
            return Ok(CodeSent::Wait(secs.max(1) as u64));
        }
        Err(Refusal::Code(_)) => return Ok(CodeSent::StillValid),
    };
    let email = code_email(lang, to, purpose, &code);
    match state.mailer.send(email).await {
        Ok(()) => Ok(CodeSent::Sent),
        Err(e) => {
            tracing::warn!(user = %user.id, "security code not delivered: {e}");
            Err(Error::MailFailed)
        }
    }
}

/// Checks a typed code; a refusal becomes a message for the `code` field.
pub async fn check_code(
    state: &AppState,
    user_id: UserId,
    purpose: Purpose,
    typed: &str,
) -> Result<(), Error> {
    check_bound_code(state, user_id, purpose, "", typed).await
}

/// As `check_code`, for a code sent with `send_code_to` to a new address `bound`.
pub async fn check_bound_code(
    state: &AppState,
    user_id: UserId,
    purpose: Purpose,
    bound: &str,
    typed: &str,
) -> Result<(), Error> {
    if typed.trim().is_empty() {
        return Err(Error::invalid("code", Msg::Required));
    }
    match codes::verify_bound(state, user_id, purpose, bound, typed).await? {
        Ok(()) => Ok(()),
        Err(Refusal::Code(problem)) => Err(Error::invalid(
            "code",
            match problem {
                CodeProblem::Wrong { .. } => Msg::CodeWrong,
                CodeProblem::Expired => Msg::CodeExpired,
                CodeProblem::Voided => Msg::CodeVoided,
                CodeProblem::Missing => Msg::CodeMissing,
            },
        )),
        Err(Refusal::TooSoon(_)) => Err(Error::invalid("code", Msg::CodeMissing)),
    }
}

/// The mail with the code: plain text and HTML, in the user's language, saying what the code
/// is for and that it expires in 10 minutes.
pub fn code_email(lang: Lang, to: &str, purpose: Purpose, code: &str) -> Email {
    let t = lang.texts();
    let what = match purpose {
        Purpose::Login => t.mail_code_for_login,
        Purpose::Enrol => t.mail_code_for_enrol,
        Purpose::Reauth => t.mail_code_for_reauth,
        Purpose::EmailChange => t.mail_code_for_email,
    };
    let line = |c: &str| {
        t.mail_code_body
            .replace("{purpose}", what)
            .replace("{code}", c)
    };
    let mut email = compose(
        lang,
        to,
        t.mail_code_subject,
        &line(&format!(
            "<strong style=\"font-size:1.4em;letter-spacing:.1em\">{code}</strong>"
        )),
        &line(code),
        t.mail_code_ignore,
    );
    email.outbox_hint = Some(format!("security code {code}"));
    email
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_mail_says_what_and_how_long_in_the_users_language() {
        let en = code_email(Lang::En, "a@b.it", Purpose::Login, "123456");
        assert_eq!(en.subject, "Your syncgate security code");
        assert!(en.text.contains("Your security code to sign in is 123456"));
        assert!(en.text.contains("10 minutes"));
        assert!(en.html.contains("<strong"));
        let it = code_email(Lang::It, "a@b.it", Purpose::Enrol, "654321");
        assert!(it
            .text
            .contains("per attivare l'autenticazione a 2 fattori è 654321"));
        assert!(it.text.contains("10 minuti"));
        assert!(it.html.contains(r#"lang="it""#));
    }
}
