//! The second step of a sign-in or a re-authentication: the code of the user's method (mailed,
//! or from the app) or, in its place, one of their recovery codes.

use crate::backend::audit::{self, Origin};
use crate::backend::error::Error;
use crate::backend::mail::notices::{self, Notice};
use crate::backend::second_factor::codes::Purpose;
use crate::backend::second_factor::{app, email, recovery};
use crate::backend::state::AppState;
use crate::backend::store::users::UserRecord;
use crate::domain::model::AuditAction;
use crate::domain::two_factor::TwoFactorMethod;
use crate::i18n::Lang;

/// What the user typed on the second step.
#[derive(Clone, Copy, Debug)]
pub enum Proof<'a> {
    /// The code of their method.
    Code(&'a str),
    /// One of their recovery codes.
    Recovery(&'a str),
}

impl<'a> Proof<'a> {
    /// From a form: the code field, and whether the user chose "Use a recovery code instead".
    pub fn of(typed: &'a str, recovery: bool) -> Proof<'a> {
        if recovery {
            Proof::Recovery(typed)
        } else {
            Proof::Code(typed)
        }
    }
}

/// Checks the proof for `purpose` (login or reauth); a refusal is shown at `field`. A recovery
/// code used up is audited and told by mail.
pub async fn check(
    state: &AppState,
    user: &UserRecord,
    purpose: Purpose,
    proof: Proof<'_>,
    (field, origin, lang): (&'static str, &Origin, Lang),
) -> Result<(), Error> {
    match proof {
        Proof::Recovery(typed) => {
            let left = recovery::use_code(state, user.id, typed, field).await?;
            let action = AuditAction::RecoveryCodeUsed;
            audit::record_in(&state.pool, state.now(), origin, Some(user.id), action).await?;
            notices::send(state, user, Notice::RecoveryCodeUsed, lang);
            tracing::info!(user = %user.id, left, "recovery code used");
            Ok(())
        }
        Proof::Code(typed) => match user.two_factor() {
            TwoFactorMethod::Email => email::check_code(state, user.id, purpose, typed)
                .await
                .map_err(|e| e.at_field(field)),
            TwoFactorMethod::App => app::check(state, user.id, typed, field).await,
            // Nothing to prove: the caller asks for a code only with 2FA on.
            TwoFactorMethod::Off => Ok(()),
        },
    }
}
