//! The rules of emailed one-time codes (SPEC 1.3): 6 digits, valid 10 minutes, single use,
//! at most 5 wrong tries per code, a new code at most once a minute and 5 per hour per user.
//! Pure: the caller supplies the clock reading and the stored state.

pub const CODE_DIGITS: usize = 6;
pub const VALID_SECS: i64 = 10 * 60;
pub const MAX_WRONG_TRIES: u32 = 5;
pub const RESEND_GAP_SECS: i64 = 60;
pub const MAX_PER_HOUR: usize = 5;

/// A code as stored: its hash, never the code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCode {
    pub issued_at: i64,
    pub wrong_tries: u32,
    pub used: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeProblem {
    /// No code was sent, or it was used, voided or replaced.
    Missing,
    Expired,
    /// Too many wrong tries: the code is void, a new one must be sent.
    Voided,
    /// Wrong code; `tries_left` more attempts on this one.
    Wrong {
        tries_left: u32,
    },
}

/// Whether a stored code may still be tried at `now` (before comparing it).
pub fn usable(code: Option<&StoredCode>, now: i64) -> Result<(), CodeProblem> {
    let code = code.ok_or(CodeProblem::Missing)?;
    if code.used {
        return Err(CodeProblem::Missing);
    }
    if code.wrong_tries >= MAX_WRONG_TRIES {
        return Err(CodeProblem::Voided);
    }
    if now.saturating_sub(code.issued_at) >= VALID_SECS || now < code.issued_at {
        return Err(CodeProblem::Expired);
    }
    Ok(())
}

/// The answer after a wrong guess has been counted (`wrong_tries` already incremented).
pub fn after_wrong_try(wrong_tries: u32) -> CodeProblem {
    if wrong_tries >= MAX_WRONG_TRIES {
        CodeProblem::Voided
    } else {
        CodeProblem::Wrong {
            tries_left: MAX_WRONG_TRIES - wrong_tries,
        }
    }
}

/// Whether a new code may be sent at `now`: at most one a minute for the same purpose (a
/// login code does not delay the code for turning 2FA on), at most five an hour in all.
/// `same_purpose` and `all` are when the user's earlier codes were sent. `Err(secs)` is how
/// long to wait.
pub fn may_send(same_purpose: &[i64], all: &[i64], now: i64) -> Result<(), i64> {
    if let Some(last) = same_purpose.iter().copied().max() {
        let since = now - last;
        if since < RESEND_GAP_SECS {
            return Err(RESEND_GAP_SECS - since.max(0));
        }
    }
    let mut in_last_hour: Vec<i64> = all.iter().copied().filter(|t| now - t < 3600).collect();
    if in_last_hour.len() >= MAX_PER_HOUR {
        in_last_hour.sort_unstable();
        // The wait ends when the oldest of them leaves the hour.
        let oldest = in_last_hour[in_last_hour.len() - MAX_PER_HOUR];
        return Err((oldest + 3600 - now).max(1));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh(at: i64) -> StoredCode {
        StoredCode {
            issued_at: at,
            wrong_tries: 0,
            used: false,
        }
    }

    #[test]
    fn a_fresh_code_is_usable_for_ten_minutes() {
        assert_eq!(usable(Some(&fresh(1000)), 1000), Ok(()));
        assert_eq!(usable(Some(&fresh(1000)), 1000 + 599), Ok(()));
        assert_eq!(
            usable(Some(&fresh(1000)), 1000 + 600),
            Err(CodeProblem::Expired)
        );
    }

    #[test]
    fn a_code_from_the_future_is_not_trusted() {
        assert_eq!(usable(Some(&fresh(1000)), 999), Err(CodeProblem::Expired));
    }

    #[test]
    fn missing_and_used_codes_are_refused() {
        assert_eq!(usable(None, 0), Err(CodeProblem::Missing));
        let used = StoredCode {
            used: true,
            ..fresh(0)
        };
        assert_eq!(usable(Some(&used), 1), Err(CodeProblem::Missing));
    }

    #[test]
    fn five_wrong_tries_void_the_code() {
        for n in 1..MAX_WRONG_TRIES {
            assert_eq!(after_wrong_try(n), CodeProblem::Wrong { tries_left: 5 - n });
        }
        assert_eq!(after_wrong_try(5), CodeProblem::Voided);
        let spent = StoredCode {
            wrong_tries: 5,
            ..fresh(0)
        };
        assert_eq!(usable(Some(&spent), 1), Err(CodeProblem::Voided));
        let four = StoredCode {
            wrong_tries: 4,
            ..fresh(0)
        };
        assert_eq!(usable(Some(&four), 1), Ok(()));
    }

    #[test]
    fn one_new_code_a_minute() {
        assert_eq!(may_send(&[], &[], 0), Ok(()));
        assert_eq!(may_send(&[100], &[100], 100), Err(60));
        assert_eq!(may_send(&[100], &[100], 159), Err(1));
        assert_eq!(may_send(&[100], &[100], 160), Ok(()));
    }

    #[test]
    fn a_code_for_another_purpose_may_follow_at_once() {
        assert_eq!(may_send(&[], &[100], 100), Ok(()));
        assert_eq!(may_send(&[40], &[40, 100], 100), Ok(()));
    }

    #[test]
    fn five_codes_an_hour_whatever_their_purpose() {
        let sent = [0, 60, 120, 180, 240];
        assert_eq!(may_send(&sent, &sent, 300), Err(3300));
        assert_eq!(may_send(&[], &sent, 300), Err(3300));
        assert_eq!(may_send(&[], &sent, 3599), Err(1));
        assert_eq!(may_send(&[], &sent, 3600), Ok(()));
        // Old sends do not count.
        assert_eq!(may_send(&[], &[0, 60, 120, 180, 4000], 4100), Ok(()));
    }
}
