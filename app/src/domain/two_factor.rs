//! Two-factor decisions (SPEC 1.3): when it is required, what follows a right password,
//! who may turn it off or reset it. Pure, so the browser explains exactly what the server
//! enforces.

use crate::domain::ids::UserId;
use serde::{Deserialize, Serialize};

/// The second factor a user has turned on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TwoFactorMethod {
    Off,
    Email,
}

/// Whether 2FA is required for a user: by an admin for them, or for everyone.
#[must_use]
pub fn is_required(required_for_user: bool, required_for_all: bool) -> bool {
    required_for_user || required_for_all
}

/// What a right password leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterPassword {
    /// No second factor and none required: signed in.
    SignedIn,
    /// 2FA is on: the emailed code is awaited before the session counts as signed in.
    CodeNeeded,
    /// Required but not set up: signed in, yet only enrolment is allowed until done.
    EnrolmentNeeded,
}

#[must_use]
pub fn after_password(method: TwoFactorMethod, required: bool) -> AfterPassword {
    match (method, required) {
        (TwoFactorMethod::Email, _) => AfterPassword::CodeNeeded,
        (TwoFactorMethod::Off, true) => AfterPassword::EnrolmentNeeded,
        (TwoFactorMethod::Off, false) => AfterPassword::SignedIn,
    }
}

/// A signed-in user who must enrol before using anything else.
#[must_use]
pub fn must_enrol(method: TwoFactorMethod, required: bool) -> bool {
    after_password(method, required) == AfterPassword::EnrolmentNeeded
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TwoFactorRefusal {
    /// It is already in the state asked for.
    AlreadyOn,
    AlreadyOff,
    /// An admin requires it: only an admin's reset turns it off.
    Required,
    /// Codes go by email: there must be an address to send them to.
    NoEmail,
    /// An admin resetting their own 2FA would skip the re-authentication that turning it
    /// off asks for; they use their own preferences like everyone else.
    OwnReset,
}

/// The user turning 2FA on (the emailed code then proves the address works).
#[must_use = "a refusal must be reported"]
pub fn may_turn_on(method: TwoFactorMethod, has_email: bool) -> Result<(), TwoFactorRefusal> {
    match (method, has_email) {
        (TwoFactorMethod::Email, _) => Err(TwoFactorRefusal::AlreadyOn),
        (TwoFactorMethod::Off, false) => Err(TwoFactorRefusal::NoEmail),
        (TwoFactorMethod::Off, true) => Ok(()),
    }
}

/// The user turning their own 2FA off (after re-authenticating).
#[must_use = "a refusal must be reported"]
pub fn may_turn_off(method: TwoFactorMethod, required: bool) -> Result<(), TwoFactorRefusal> {
    match (method, required) {
        (TwoFactorMethod::Off, _) => Err(TwoFactorRefusal::AlreadyOff),
        (TwoFactorMethod::Email, true) => Err(TwoFactorRefusal::Required),
        (TwoFactorMethod::Email, false) => Ok(()),
    }
}

/// An admin (`Some(id)`) or the operator at the command line (`None`) resetting a user's
/// 2FA (lost phone, lost mailbox).
#[must_use = "a refusal must be reported"]
pub fn may_reset(
    admin_id: Option<UserId>,
    target_id: UserId,
    method: TwoFactorMethod,
) -> Result<(), TwoFactorRefusal> {
    if admin_id == Some(target_id) {
        return Err(TwoFactorRefusal::OwnReset);
    }
    match method {
        TwoFactorMethod::Off => Err(TwoFactorRefusal::AlreadyOff),
        TwoFactorMethod::Email => Ok(()),
    }
}

/// Changing the address the codes go to: not while they are the second factor, or a
/// typo (or an attacker with a stolen session) would move it out of the user's reach.
#[must_use = "a refusal must be reported"]
pub fn may_change_email(method: TwoFactorMethod) -> Result<(), TwoFactorRefusal> {
    match method {
        TwoFactorMethod::Off => Ok(()),
        TwoFactorMethod::Email => Err(TwoFactorRefusal::AlreadyOn),
    }
}

#[cfg(test)]
mod tests {
    use super::TwoFactorMethod::{Email, Off};
    use super::TwoFactorRefusal::*;
    use super::*;

    #[test]
    fn required_for_the_user_or_for_everyone() {
        assert!(!is_required(false, false));
        assert!(is_required(true, false));
        assert!(is_required(false, true));
        assert!(is_required(true, true));
    }

    #[test]
    fn what_follows_a_right_password() {
        assert_eq!(after_password(Off, false), AfterPassword::SignedIn);
        assert_eq!(after_password(Off, true), AfterPassword::EnrolmentNeeded);
        assert_eq!(after_password(Email, false), AfterPassword::CodeNeeded);
        assert_eq!(after_password(Email, true), AfterPassword::CodeNeeded);
    }

    #[test]
    fn only_a_required_user_without_2fa_must_enrol() {
        assert!(must_enrol(Off, true));
        assert!(!must_enrol(Off, false));
        assert!(!must_enrol(Email, true));
        assert!(!must_enrol(Email, false));
    }

    #[test]
    fn turning_on_needs_an_address_and_2fa_off() {
        assert_eq!(may_turn_on(Off, true), Ok(()));
        assert_eq!(may_turn_on(Off, false), Err(NoEmail));
        assert_eq!(may_turn_on(Email, true), Err(AlreadyOn));
        assert_eq!(may_turn_on(Email, false), Err(AlreadyOn));
    }

    #[test]
    fn turning_off_is_refused_while_required() {
        assert_eq!(may_turn_off(Email, false), Ok(()));
        assert_eq!(may_turn_off(Email, true), Err(Required));
        assert_eq!(may_turn_off(Off, false), Err(AlreadyOff));
        assert_eq!(may_turn_off(Off, true), Err(AlreadyOff));
    }

    #[test]
    fn admins_reset_others_not_themselves() {
        assert_eq!(may_reset(Some(UserId(1)), UserId(2), Email), Ok(()));
        assert_eq!(may_reset(Some(UserId(1)), UserId(2), Off), Err(AlreadyOff));
        assert_eq!(may_reset(Some(UserId(1)), UserId(1), Email), Err(OwnReset));
        assert_eq!(may_reset(Some(UserId(1)), UserId(1), Off), Err(OwnReset));
    }

    #[test]
    fn the_operator_resets_anyone_with_2fa() {
        assert_eq!(may_reset(None, UserId(1), Email), Ok(()));
        assert_eq!(may_reset(None, UserId(1), Off), Err(AlreadyOff));
    }

    #[test]
    fn the_email_is_fixed_while_it_carries_the_codes() {
        assert_eq!(may_change_email(Off), Ok(()));
        assert_eq!(may_change_email(Email), Err(AlreadyOn));
    }
}
