//! Who may do what in the console. Every server function asks these before acting.

use crate::domain::ids::UserId;
use serde::{Deserialize, Serialize};

/// The signed-in person making a request, as far as access rules care.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: UserId,
    pub is_admin: bool,
    pub active: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denied {
    /// Not an administrator.
    NotAdmin,
    /// The account is inactive; it may do nothing.
    Inactive,
    /// An admin may not deactivate themselves (there might be no admin left to undo it).
    SelfDeactivation,
}

/// Listing, creating and opening users, and the admin pages.
pub fn may_manage_users(actor: &Actor) -> Result<(), Denied> {
    match (actor.active, actor.is_admin) {
        (false, _) => Err(Denied::Inactive),
        (true, false) => Err(Denied::NotAdmin),
        (true, true) => Ok(()),
    }
}

/// Turning an account on or off.
pub fn may_set_active(actor: &Actor, target_id: UserId, make_active: bool) -> Result<(), Denied> {
    may_manage_users(actor)?;
    if actor.user_id == target_id && !make_active {
        return Err(Denied::SelfDeactivation);
    }
    Ok(())
}

/// A user's own profile: any active account.
pub fn may_use_console(actor: &Actor) -> Result<(), Denied> {
    if actor.active {
        Ok(())
    } else {
        Err(Denied::Inactive)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(is_admin: bool, active: bool) -> Actor {
        Actor {
            user_id: UserId(1),
            is_admin,
            active,
        }
    }

    #[test]
    fn only_active_admins_manage_users() {
        assert_eq!(may_manage_users(&actor(true, true)), Ok(()));
        assert_eq!(may_manage_users(&actor(false, true)), Err(Denied::NotAdmin));
        assert_eq!(may_manage_users(&actor(true, false)), Err(Denied::Inactive));
        assert_eq!(
            may_manage_users(&actor(false, false)),
            Err(Denied::Inactive)
        );
    }

    #[test]
    fn admin_may_deactivate_and_reactivate_others() {
        let admin = actor(true, true);
        assert_eq!(may_set_active(&admin, UserId(2), false), Ok(()));
        assert_eq!(may_set_active(&admin, UserId(2), true), Ok(()));
    }

    #[test]
    fn admin_may_not_deactivate_themselves() {
        let admin = actor(true, true);
        assert_eq!(
            may_set_active(&admin, UserId(1), false),
            Err(Denied::SelfDeactivation)
        );
        // Re-activating oneself is harmless (and unreachable for an inactive actor).
        assert_eq!(may_set_active(&admin, UserId(1), true), Ok(()));
    }

    #[test]
    fn non_admin_may_not_change_anyone() {
        let user = actor(false, true);
        assert_eq!(
            may_set_active(&user, UserId(2), false),
            Err(Denied::NotAdmin)
        );
        assert_eq!(
            may_set_active(&user, UserId(1), true),
            Err(Denied::NotAdmin)
        );
    }

    #[test]
    fn inactive_accounts_cannot_use_the_console() {
        assert_eq!(may_use_console(&actor(false, true)), Ok(()));
        assert_eq!(may_use_console(&actor(true, false)), Err(Denied::Inactive));
    }
}
