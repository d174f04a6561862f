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

/// Per account and client address at the console: 5 distinct wrong passwords in an hour,
/// then waits from 30 s doubling up to 15 minutes (SPEC 1.6). Keyed with the address so the
/// owner can still sign in from an address that is not the attacker's.
pub const PER_ACCOUNT: Policy = Policy {
    free_failures: 5,
    base_delay_secs: 30,
    max_delay_secs: 900,
    forget_after_secs: 3600,
};

/// Per client address, whatever the account: an office behind one NAT gets more room.
pub const PER_ADDRESS: Policy = Policy {
    free_failures: 20,
    base_delay_secs: 30,
    max_delay_secs: 900,
    forget_after_secs: 3600,
};

/// Per account at the ActiveSync door, whatever the device, username form or address: a
/// guesser cycling DeviceIds gets 5 distinct wrong passwords an hour, then only devices that
/// signed in recently (their good check is cached) get through.
pub const DOOR_ACCOUNT: Policy = Policy {
    free_failures: 5,
    base_delay_secs: 30,
    max_delay_secs: 900,
    forget_after_secs: 3600,
};

/// What a throttle says to an attempt, before any password is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Go ahead and check; `counts` when this attempt is a new failure in advance (given
    /// back if the password turns out right). A wrong password already counted does not
    /// count again.
    Check { counts: bool },
    /// Answer "try later" after this many seconds, checking nothing.
    Wait(u64),
}

/// The decision for one attempt given the failures on record (`already_counted`: this same
/// password was counted before). Counting happens here, before the check, so concurrent
/// attempts cannot slip past the limit.
#[must_use]
pub fn admit(
    policy: &Policy,
    failures: u32,
    last_failure_at: i64,
    now: i64,
    already_counted: bool,
) -> Admission {
    let wait = remaining_wait(policy, failures, last_failure_at, now);
    if wait > 0 {
        return Admission::Wait(wait);
    }
    Admission::Check {
        counts: !already_counted,
    }
}

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
            assert_eq!(delay_after(&DOOR_ACCOUNT, n), 0, "failure {n}");
        }
    }

    #[test]
    fn delay_doubles_then_caps_at_fifteen_minutes() {
        for policy in [PER_ACCOUNT, DOOR_ACCOUNT] {
            assert_eq!(delay_after(&policy, 5), 30);
            assert_eq!(delay_after(&policy, 6), 60);
            assert_eq!(delay_after(&policy, 7), 120);
            assert_eq!(delay_after(&policy, 9), 480);
            assert_eq!(delay_after(&policy, 10), 900);
            assert_eq!(delay_after(&policy, u32::MAX), 900);
        }
    }

    #[test]
    fn wait_shrinks_with_time() {
        // 6 failures: 60 s wait, counted from the last failure.
        assert_eq!(remaining_wait(&PER_ACCOUNT, 6, 1000, 1000), 60);
        assert_eq!(remaining_wait(&PER_ACCOUNT, 6, 1000, 1045), 15);
        assert_eq!(remaining_wait(&PER_ACCOUNT, 6, 1000, 1060), 0);
    }

    #[test]
    fn failures_are_forgotten_after_an_hour() {
        assert_eq!(remaining_wait(&PER_ACCOUNT, 40, 0, 100), 800);
        assert!(!is_forgotten(&PER_ACCOUNT, 0, 3599));
        assert!(is_forgotten(&PER_ACCOUNT, 0, 3600));
        assert_eq!(remaining_wait(&DOOR_ACCOUNT, 40, 0, 3600), 0);
    }

    #[test]
    fn clock_going_backwards_does_not_extend_the_wait() {
        assert_eq!(remaining_wait(&PER_ACCOUNT, 6, 1000, 900), 60);
    }

    #[test]
    fn address_policy_is_more_lenient() {
        assert_eq!(delay_after(&PER_ADDRESS, 19), 0);
        assert_eq!(delay_after(&PER_ADDRESS, 20), 30);
    }

    #[test]
    fn admission_counts_before_the_check_and_never_checks_past_the_limit() {
        // Four failures on record: the fifth distinct attempt is checked and counted.
        assert_eq!(
            admit(&DOOR_ACCOUNT, 4, 100, 100, false),
            Admission::Check { counts: true }
        );
        // A password already counted (an old one on a phone) is checked, not counted again.
        assert_eq!(
            admit(&DOOR_ACCOUNT, 4, 100, 100, true),
            Admission::Check { counts: false }
        );
        // Five on record: nothing is checked, whatever the password, for the whole wait.
        assert_eq!(
            admit(&DOOR_ACCOUNT, 5, 100, 100, false),
            Admission::Wait(30)
        );
        assert_eq!(admit(&DOOR_ACCOUNT, 5, 100, 100, true), Admission::Wait(30));
        assert_eq!(admit(&DOOR_ACCOUNT, 5, 100, 129, false), Admission::Wait(1));
        assert_eq!(
            admit(&DOOR_ACCOUNT, 5, 100, 130, false),
            Admission::Check { counts: true }
        );
        // After an hour of quiet the record no longer matters.
        assert_eq!(
            admit(&DOOR_ACCOUNT, 50, 100, 3700, false),
            Admission::Check { counts: true }
        );
    }
}
