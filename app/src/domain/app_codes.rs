//! The rules of authenticator-app codes (SPEC 1.3, 1.6): TOTP of RFC 6238 with 30-second
//! steps and 6 digits, one step of clock drift either way, a step accepted once per user
//! (replay), and at most 5 wrong tries in 15 minutes, counted before the compare. The same
//! count guards recovery codes. Pure: the caller supplies the clock and the stored state.

pub const STEP_SECS: i64 = 30;
pub const DIGITS: usize = 6;
/// Steps of drift accepted on either side of the current one.
pub const DRIFT_STEPS: i64 = 1;
pub const MAX_WRONG_TRIES: i64 = 5;
pub const TRIES_WINDOW_SECS: i64 = 15 * 60;

/// The time step `now` falls in.
pub fn step_at(now: i64) -> i64 {
    now.div_euclid(STEP_SECS)
}

/// The steps whose codes are accepted at `now`, oldest first.
pub fn candidate_steps(now: i64) -> impl Iterator<Item = i64> {
    let current = step_at(now);
    (current - DRIFT_STEPS)..=(current + DRIFT_STEPS)
}

/// Whether a code of `step` may still be accepted after `last_used` (the newest step this
/// user's app code was accepted for): a step is never accepted twice, nor an older one.
pub fn unused(step: i64, last_used: Option<i64>) -> bool {
    last_used.is_none_or(|last| step > last)
}

/// Whether a code may be tried at `now`, given the wrong tries counted since `since`.
/// `Err(secs)`: the wait before the next try.
pub fn may_try(tries: i64, since: i64, now: i64) -> Result<(), i64> {
    let window_ends = since + TRIES_WINDOW_SECS;
    if tries >= MAX_WRONG_TRIES && now < window_ends {
        Err(window_ends - now)
    } else {
        Ok(())
    }
}

/// A code as typed: spaces and dashes dropped (apps show "123 456").
pub fn normalized(typed: &str) -> String {
    crate::domain::text::without_separators(typed)
}

/// Whether a typed text has the shape of an app code (6 digits).
pub fn looks_like_code(typed: &str) -> bool {
    let t = normalized(typed);
    t.len() == DIGITS && t.chars().all(|c| c.is_ascii_digit())
}

/// The secret as the user types it into an app: base32 in groups of four.
pub fn grouped(base32: &str) -> String {
    base32
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `otpauth://` address an app reads from the QR code (Key Uri Format): label
/// `syncgate:USER`, the issuer repeated as a parameter, the defaults spelled out.
pub fn otpauth_uri(issuer: &str, account: &str, base32: &str) -> String {
    format!(
        "otpauth://totp/{}:{}?secret={base32}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
        escape(issuer),
        escape(account),
        escape(issuer),
    )
}

/// Percent-escapes a part of the label (a username may hold spaces, `@`, `/`, `:`).
fn escape(label: &str) -> String {
    crate::domain::text::percent_encode(label, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_step_of_drift_either_way() {
        assert_eq!(candidate_steps(90).collect::<Vec<_>>(), vec![2, 3, 4]);
        assert_eq!(candidate_steps(119).collect::<Vec<_>>(), vec![2, 3, 4]);
        assert_eq!(candidate_steps(120).collect::<Vec<_>>(), vec![3, 4, 5]);
    }

    #[test]
    fn a_step_is_accepted_once_and_never_an_older_one() {
        assert!(unused(10, None));
        assert!(unused(11, Some(10)));
        assert!(!unused(10, Some(10)));
        assert!(!unused(9, Some(10)));
    }

    #[test]
    fn five_wrong_tries_wait_for_the_window_to_end() {
        assert_eq!(may_try(0, 0, 100), Ok(()));
        assert_eq!(may_try(4, 0, 100), Ok(()));
        assert_eq!(may_try(5, 0, 100), Err(800));
        assert_eq!(may_try(5, 0, 899), Err(1));
        assert_eq!(may_try(5, 0, 900), Ok(()));
    }

    #[test]
    fn codes_are_read_without_spaces() {
        assert_eq!(normalized(" 123 456 "), "123456");
        assert!(looks_like_code("123 456"));
        assert!(!looks_like_code("12345"));
        assert!(!looks_like_code("abcdef"));
    }

    #[test]
    fn the_secret_is_shown_in_groups_of_four() {
        assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }

    #[test]
    fn the_uri_names_issuer_and_account() {
        let uri = otpauth_uri("syncgate", "anna maria", "JBSWY3DP");
        assert_eq!(
            uri,
            "otpauth://totp/syncgate:anna%20maria?secret=JBSWY3DP&issuer=syncgate\
             &algorithm=SHA1&digits=6&period=30"
        );
    }
}
