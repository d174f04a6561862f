//! The re-authentication window (SPEC 1.4): a fresh proof of identity is good for 5 minutes,
//! in the session that made it.

pub const WINDOW_SECS: i64 = 5 * 60;

/// Whether a re-authentication made at `reauthed_at` still covers an action at `now`.
pub fn is_fresh(reauthed_at: Option<i64>, now: i64) -> bool {
    match reauthed_at {
        Some(at) => now >= at && now - at < WINDOW_SECS,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_reauthenticated_is_not_fresh() {
        assert!(!is_fresh(None, 1000));
    }

    #[test]
    fn fresh_for_five_minutes_then_not() {
        assert!(is_fresh(Some(1000), 1000));
        assert!(is_fresh(Some(1000), 1000 + 299));
        assert!(!is_fresh(Some(1000), 1000 + 300));
    }

    #[test]
    fn a_time_in_the_future_is_not_trusted() {
        assert!(!is_fresh(Some(1000), 999));
    }
}
