//! How long a key (an account, or a client address) must wait after failed logins.
//!
//! Failures are forgiven after a quiet period, and the wait is capped, so an attacker can
//! slow a victim's login down but never lock the account for good.

/// The numbers of one throttle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Failures allowed before any wait.
    pub free_failures: u32,
    /// The first wait, doubled after each further failure.
    pub base_delay_secs: u64,
    /// The longest wait.
    pub max_delay_secs: u64,
    /// Failures older than this are forgotten.
    pub forget_after_secs: u64,
}

/// Per account: a person mistyping a few times is never slowed.
pub const PER_ACCOUNT: Policy = Policy {
    free_failures: 5,
    base_delay_secs: 2,
    max_delay_secs: 300,
    forget_after_secs: 900,
};

/// Per client address: an office behind one NAT gets more room.
pub const PER_ADDRESS: Policy = Policy {
    free_failures: 20,
    base_delay_secs: 1,
    max_delay_secs: 300,
    forget_after_secs: 900,
};

/// Per account and ActiveSync device: a phone polling with an outdated password is slowed
/// down (the same wrong password counts once), other devices and users are not.
pub const PER_DEVICE: Policy = Policy {
    free_failures: 5,
    base_delay_secs: 30,
    max_delay_secs: 900,
    forget_after_secs: 3600,
};

/// Seconds to wait before the next attempt after `failures` consecutive failures.
#[must_use]
pub fn delay_after(policy: &Policy, failures: u32) -> u64 {
    if failures < policy.free_failures {
        return 0;
    }
    let doublings = (failures - policy.free_failures).min(32);
    policy
        .base_delay_secs
        .saturating_mul(1u64 << doublings)
        .min(policy.max_delay_secs)
}

/// Seconds still to wait at `now`, given the failures so far and the time of the last one.
/// Returns 0 when an attempt may go ahead.
#[must_use]
pub fn remaining_wait(policy: &Policy, failures: u32, last_failure_at: i64, now: i64) -> u64 {
    let elapsed = now.saturating_sub(last_failure_at).max(0) as u64;
    if elapsed >= policy.forget_after_secs {
        return 0;
    }
    delay_after(policy, failures).saturating_sub(elapsed)
}

/// Whether the record of failures is old enough to drop.
#[must_use]
pub fn is_forgotten(policy: &Policy, last_failure_at: i64, now: i64) -> bool {
    now.saturating_sub(last_failure_at) >= policy.forget_after_secs as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_failures_are_free() {
        for n in 0..PER_ACCOUNT.free_failures {
            assert_eq!(delay_after(&PER_ACCOUNT, n), 0, "failure {n}");
        }
    }

    #[test]
    fn delay_doubles_then_caps() {
        assert_eq!(delay_after(&PER_ACCOUNT, 5), 2);
        assert_eq!(delay_after(&PER_ACCOUNT, 6), 4);
        assert_eq!(delay_after(&PER_ACCOUNT, 7), 8);
        assert_eq!(delay_after(&PER_ACCOUNT, 12), 256);
        assert_eq!(delay_after(&PER_ACCOUNT, 13), 300);
        assert_eq!(delay_after(&PER_ACCOUNT, u32::MAX), 300);
    }

    #[test]
    fn wait_shrinks_with_time() {
        // 7 failures: 8 s wait, counted from the last failure.
        assert_eq!(remaining_wait(&PER_ACCOUNT, 7, 1000, 1000), 8);
        assert_eq!(remaining_wait(&PER_ACCOUNT, 7, 1000, 1005), 3);
        assert_eq!(remaining_wait(&PER_ACCOUNT, 7, 1000, 1008), 0);
    }

    #[test]
    fn failures_are_forgotten_after_quiet_period() {
        assert_eq!(remaining_wait(&PER_ACCOUNT, 40, 0, 100), 200);
        assert!(!is_forgotten(&PER_ACCOUNT, 0, 899));
        assert!(is_forgotten(&PER_ACCOUNT, 0, 900));
    }

    #[test]
    fn clock_going_backwards_does_not_extend_the_wait() {
        assert_eq!(remaining_wait(&PER_ACCOUNT, 6, 1000, 900), 4);
    }

    #[test]
    fn address_policy_is_more_lenient() {
        assert_eq!(delay_after(&PER_ADDRESS, 19), 0);
        assert_eq!(delay_after(&PER_ADDRESS, 20), 1);
    }
}
