//! Proofs a guarded backend function takes as an argument, so that the check it depends on
//! cannot be forgotten by a caller: only the functions here (and the command line, whose
//! operator already holds the server) make them. The idea is lldap's access-control handlers.

use crate::backend::error::Error;
use crate::backend::store::users::UserRecord;
use crate::domain::access::{self, Actor};

/// The caller is an active administrator (checked by `admin`).
#[derive(Clone, Copy, Debug)]
pub struct Admin {
    actor: Option<Actor>,
}

impl Admin {
    /// Who the admin is; `None` at the command line.
    pub fn actor(&self) -> Option<Actor> {
        self.actor
    }

    /// The operator at the command line (`server activesync …`, `reset-2fa`): they hold the
    /// database and the key file already.
    pub fn at_the_command_line() -> Self {
        Admin { actor: None }
    }
}

/// The one check that makes an `Admin`.
pub fn admin(user: &UserRecord) -> Result<Admin, Error> {
    let actor = user.actor();
    access::may_manage_users(&actor).map_err(|_| Error::Forbidden)?;
    Ok(Admin { actor: Some(actor) })
}

/// The caller re-authenticated less than 5 minutes ago in this session (SPEC 1.4), or is a
/// user sent to enrol right after signing in (enrolment only). Made by `identity::reauth`.
#[derive(Debug)]
pub struct Reauthenticated {
    _made_by_reauth: (),
}

impl Reauthenticated {
    pub(in crate::backend) fn checked() -> Self {
        Reauthenticated {
            _made_by_reauth: (),
        }
    }

    /// The operator at the command line.
    pub fn at_the_command_line() -> Self {
        Self::checked()
    }
}
