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
    /// An authenticator app (TOTP, RFC 6238).
    App,
}

impl TwoFactorMethod {
    /// As stored in `users.two_factor_method` (`None`: off).
    pub fn stored(self) -> Option<&'static str> {
        match self {
            TwoFactorMethod::Off => None,
            TwoFactorMethod::Email => Some("email"),
            TwoFactorMethod::App => Some("app"),
        }
    }

    pub fn from_stored(v: Option<&str>) -> TwoFactorMethod {
        match v {
            Some("email") => TwoFactorMethod::Email,
            Some("app") => TwoFactorMethod::App,
            _ => TwoFactorMethod::Off,
        }
    }
}

/// The organisation's rule on methods (SPEC 2, issue 16): any, or the app only (an emailed
/// code is only as safe as the mailbox).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MethodPolicy {
    #[default]
    Any,
    AppOnly,
}

impl MethodPolicy {
    pub fn allows(self, method: TwoFactorMethod) -> bool {
        !(self == MethodPolicy::AppOnly && method == TwoFactorMethod::Email)
    }
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
    /// 2FA is on: the code (emailed, or from the app) is awaited before the session counts
    /// as signed in.
    CodeNeeded,
    /// Required but not set up: signed in, yet only enrolment is allowed until done.
    EnrolmentNeeded,
}

#[must_use]
pub fn after_password(method: TwoFactorMethod, required: bool) -> AfterPassword {
    match (method, required) {
        (TwoFactorMethod::Email | TwoFactorMethod::App, _) => AfterPassword::CodeNeeded,
        (TwoFactorMethod::Off, true) => AfterPassword::EnrolmentNeeded,
        (TwoFactorMethod::Off, false) => AfterPassword::SignedIn,
    }
}

/// A signed-in user who must enrol before using anything else: 2FA is required and off, or
/// their method is one the organisation no longer allows (they switch to the app).
#[must_use]
pub fn must_enrol(method: TwoFactorMethod, required: bool, policy: MethodPolicy) -> bool {
    after_password(method, required) == AfterPassword::EnrolmentNeeded || !policy.allows(method)
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
    /// The organisation allows the authenticator app only.
    MethodNotAllowed,
}

/// The user turning 2FA on with `target`, or switching to it from the method they have (the
/// emailed code, or the app's, then proves the new method works).
#[must_use = "a refusal must be reported"]
pub fn may_turn_on(
    current: TwoFactorMethod,
    target: TwoFactorMethod,
    has_email: bool,
    policy: MethodPolicy,
) -> Result<(), TwoFactorRefusal> {
    if target == current {
        return Err(if current == TwoFactorMethod::Off {
            TwoFactorRefusal::AlreadyOff
        } else {
            TwoFactorRefusal::AlreadyOn
        });
    }
    match target {
        TwoFactorMethod::Off => Err(TwoFactorRefusal::AlreadyOn),
        _ if !policy.allows(target) => Err(TwoFactorRefusal::MethodNotAllowed),
        TwoFactorMethod::Email if !has_email => Err(TwoFactorRefusal::NoEmail),
        TwoFactorMethod::Email | TwoFactorMethod::App => Ok(()),
    }
}

/// The user turning their own 2FA off (after re-authenticating).
#[must_use = "a refusal must be reported"]
pub fn may_turn_off(method: TwoFactorMethod, required: bool) -> Result<(), TwoFactorRefusal> {
    match (method, required) {
        (TwoFactorMethod::Off, _) => Err(TwoFactorRefusal::AlreadyOff),
        (TwoFactorMethod::Email | TwoFactorMethod::App, true) => Err(TwoFactorRefusal::Required),
        (TwoFactorMethod::Email | TwoFactorMethod::App, false) => Ok(()),
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
        TwoFactorMethod::Email | TwoFactorMethod::App => Ok(()),
    }
}

/// Changing the address the codes go to: not while they are the second factor, or a
/// typo (or an attacker with a stolen session) would move it out of the user's reach.
#[must_use = "a refusal must be reported"]
pub fn may_change_email(method: TwoFactorMethod) -> Result<(), TwoFactorRefusal> {
    match method {
        TwoFactorMethod::Off | TwoFactorMethod::App => Ok(()),
        TwoFactorMethod::Email => Err(TwoFactorRefusal::AlreadyOn),
    }
}

#[cfg(test)]
mod tests {
    use super::MethodPolicy::{Any, AppOnly};
    use super::TwoFactorMethod::{App, Email, Off};
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
        assert_eq!(after_password(App, false), AfterPassword::CodeNeeded);
        assert_eq!(after_password(App, true), AfterPassword::CodeNeeded);
    }

    #[test]
    fn a_required_user_without_2fa_must_enrol() {
        for policy in [Any, AppOnly] {
            assert!(must_enrol(Off, true, policy));
            assert!(!must_enrol(Off, false, policy));
            assert!(!must_enrol(App, true, policy));
            assert!(!must_enrol(App, false, policy));
        }
        assert!(!must_enrol(Email, true, Any));
        assert!(!must_enrol(Email, false, Any));
    }

    #[test]
    fn an_email_user_must_switch_when_only_the_app_is_allowed() {
        assert!(must_enrol(Email, true, AppOnly));
        assert!(must_enrol(Email, false, AppOnly));
    }

    #[test]
    fn turning_on_email_needs_an_address() {
        assert_eq!(may_turn_on(Off, Email, true, Any), Ok(()));
        assert_eq!(may_turn_on(Off, Email, false, Any), Err(NoEmail));
        assert_eq!(may_turn_on(App, Email, true, Any), Ok(()));
        assert_eq!(may_turn_on(App, Email, false, Any), Err(NoEmail));
    }

    #[test]
    fn the_app_needs_no_address() {
        for has_email in [true, false] {
            for policy in [Any, AppOnly] {
                assert_eq!(may_turn_on(Off, App, has_email, policy), Ok(()));
                assert_eq!(may_turn_on(Email, App, has_email, policy), Ok(()));
            }
        }
    }

    #[test]
    fn the_method_one_has_is_not_turned_on_again() {
        assert_eq!(may_turn_on(Email, Email, true, Any), Err(AlreadyOn));
        assert_eq!(may_turn_on(App, App, true, Any), Err(AlreadyOn));
        assert_eq!(may_turn_on(Off, Off, true, Any), Err(AlreadyOff));
        assert_eq!(may_turn_on(App, Off, true, Any), Err(AlreadyOn));
    }

    #[test]
    fn email_is_refused_when_only_the_app_is_allowed() {
        assert_eq!(
            may_turn_on(Off, Email, true, AppOnly),
            Err(MethodNotAllowed)
        );
        assert_eq!(
            may_turn_on(App, Email, true, AppOnly),
            Err(MethodNotAllowed)
        );
        assert!(AppOnly.allows(App) && AppOnly.allows(Off) && !AppOnly.allows(Email));
        assert!(Any.allows(Email) && Any.allows(App));
    }

    #[test]
    fn methods_are_stored_by_name() {
        for m in [Off, Email, App] {
            assert_eq!(TwoFactorMethod::from_stored(m.stored()), m);
        }
        assert_eq!(TwoFactorMethod::from_stored(Some("sms")), Off);
    }

    #[test]
    fn turning_off_is_refused_while_required() {
        assert_eq!(may_turn_off(Email, false), Ok(()));
        assert_eq!(may_turn_off(Email, true), Err(Required));
        assert_eq!(may_turn_off(App, false), Ok(()));
        assert_eq!(may_turn_off(App, true), Err(Required));
        assert_eq!(may_turn_off(Off, false), Err(AlreadyOff));
        assert_eq!(may_turn_off(Off, true), Err(AlreadyOff));
    }

    #[test]
    fn admins_reset_others_not_themselves() {
        assert_eq!(may_reset(Some(UserId(1)), UserId(2), Email), Ok(()));
        assert_eq!(may_reset(Some(UserId(1)), UserId(2), App), Ok(()));
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
        assert_eq!(may_change_email(App), Ok(()));
    }
}
