//! Emailed one-time codes: issuing and checking them under the rules of `domain::otp`.
//! Codes come from the OS CSPRNG; only an HMAC of (user, purpose, code) under the server key
//! is stored, so a leaked database does not reveal codes, and the comparison is constant-time.

use crate::backend::error::Error;
use crate::backend::state::AppState;
use crate::backend::store::email_codes;
use crate::domain::ids::UserId;
use crate::domain::otp::{self, CodeProblem, StoredCode};
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;
use zeroize::Zeroizing;

/// What a code is for; a code for one purpose never works for another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Login,
    Enrol,
    Reauth,
    /// Proves the new address before it replaces the old one.
    EmailChange,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Login => "login",
            Purpose::Enrol => "enrol",
            Purpose::Reauth => "reauth",
            Purpose::EmailChange => "email",
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Too soon for a new code; wait this many seconds.
    TooSoon(i64),
    Code(CodeProblem),
}

/// `bound`: what the code proves besides the user (the new address of an email change; empty
/// otherwise): a code mailed to one address cannot confirm another.
fn mac(key: &[u8; 32], user_id: UserId, purpose: Purpose, bound: &str, code: &str) -> Hmac<Sha256> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(&user_id.0.to_be_bytes());
    mac.update(purpose.as_str().as_bytes());
    mac.update(&[0]);
    mac.update(&(bound.len() as u64).to_be_bytes());
    mac.update(bound.to_lowercase().as_bytes());
    mac.update(code.as_bytes());
    mac
}

fn new_code() -> Zeroizing<String> {
    let n: u32 = rand::rngs::OsRng.gen_range(0..1_000_000);
    Zeroizing::new(format!("{n:0width$}", width = otp::CODE_DIGITS))
}

/// Creates a code for `purpose` and returns it (to be mailed, never stored or logged).
pub async fn issue(
    state: &AppState,
    user_id: UserId,
    purpose: Purpose,
) -> Result<Result<Zeroizing<String>, Refusal>, Error> {
    issue_bound(state, user_id, purpose, "").await
}

/// As `issue`, for a code that proves `bound` too (see `mac`).
pub async fn issue_bound(
    state: &AppState,
    user_id: UserId,
    purpose: Purpose,
    bound: &str,
) -> Result<Result<Zeroizing<String>, Refusal>, Error> {
    let now = state.now();
    let sent = email_codes::sent_since(&state.pool, user_id, now - 3600)
        .await
        .map_err(Error::internal)?;
    let all: Vec<i64> = sent.iter().map(|(at, _)| *at).collect();
    let same: Vec<i64> = sent
        .iter()
        .filter(|(_, p)| p == purpose.as_str())
        .map(|(at, _)| *at)
        .collect();
    if let Err(wait) = otp::may_send(&same, &all, now) {
        return Ok(Err(Refusal::TooSoon(wait)));
    }
    let code = new_code();
    let hash = mac(&state.code_keys[0], user_id, purpose, bound, &code)
        .finalize()
        .into_bytes();
    email_codes::replace(&state.pool, user_id, purpose.as_str(), &hash, now)
        .await
        .map_err(Error::internal)?;
    Ok(Ok(code))
}

fn stored_code(r: &email_codes::CodeRow) -> StoredCode {
    StoredCode {
        issued_at: r.issued_at,
        wrong_tries: u32::try_from(r.wrong_tries).unwrap_or(u32::MAX),
        used: r.used,
    }
}

/// Whether an unused, unexpired, not voided code for `purpose` is waiting to be typed.
pub async fn has_live_code(
    state: &AppState,
    user_id: UserId,
    purpose: Purpose,
) -> Result<bool, Error> {
    let row = email_codes::current(&state.pool, user_id, purpose.as_str())
        .await
        .map_err(Error::internal)?;
    let stored = row.as_ref().map(stored_code);
    Ok(otp::usable(stored.as_ref(), state.now()).is_ok())
}

/// Checks a code typed by the user. A right code is used up; a wrong one counts.
pub async fn verify(
    state: &AppState,
    user_id: UserId,
    purpose: Purpose,
    typed: &str,
) -> Result<Result<(), Refusal>, Error> {
    verify_bound(state, user_id, purpose, "", typed).await
}

/// As `verify`, for a code issued with `issue_bound(.., bound)`.
pub async fn verify_bound(
    state: &AppState,
    user_id: UserId,
    purpose: Purpose,
    bound: &str,
    typed: &str,
) -> Result<Result<(), Refusal>, Error> {
    let now = state.now();
    let row = email_codes::current(&state.pool, user_id, purpose.as_str())
        .await
        .map_err(Error::internal)?;
    let stored = row.as_ref().map(stored_code);
    if let Err(problem) = otp::usable(stored.as_ref(), now) {
        return Ok(Err(Refusal::Code(problem)));
    }
    let row = row.expect("usable() refuses a missing code");
    let issued_after = now - otp::VALID_SECS;
    let max = i64::from(otp::MAX_WRONG_TRIES);
    // The try is counted before the compare: at most 5 compares per code, however many
    // guesses arrive at once.
    let Some(tries) = email_codes::take_try(&state.pool, row.id, issued_after, max)
        .await
        .map_err(Error::internal)?
    else {
        return Ok(Err(Refusal::Code(CodeProblem::Voided)));
    };
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    let matches = state.code_keys.iter().any(|key| {
        mac(key, user_id, purpose, bound, &typed)
            .verify_slice(&row.code_hash)
            .is_ok()
    });
    if matches {
        if email_codes::consume(&state.pool, row.id, issued_after, max)
            .await
            .map_err(Error::internal)?
        {
            return Ok(Ok(()));
        }
        return Ok(Err(Refusal::Code(CodeProblem::Missing)));
    }
    Ok(Err(Refusal::Code(otp::after_wrong_try(
        u32::try_from(tries).unwrap_or(u32::MAX),
    ))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::clock::ManualClock;
    use std::sync::Arc;

    async fn setup() -> (tempfile::TempDir, AppState, Arc<ManualClock>, UserId) {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::backend::store::temporary(dir.path()).await;
        let clock = ManualClock::starting_at(1_000_000);
        let mailer = crate::backend::mail::Mailer::start(
            crate::backend::mail::Transport::Console(dir.path().join("outbox")),
            "noreply@example.it",
        )
        .unwrap();
        let state = AppState::new(pool, clock.clone(), [7u8; 32], mailer);
        let hash = crate::backend::identity::passwords::hash_now("password123").unwrap();
        let id = crate::backend::store::users::insert(
            &state.pool,
            crate::backend::store::users::Insert {
                username: "anna",
                email: "anna@example.it",
                first_name: "",
                last_name: "",
                is_admin: false,
                password_hash: &hash,
                must_change_password: false,
                now: 0,
            },
        )
        .await
        .unwrap();
        (dir, state, clock, id)
    }

    #[tokio::test]
    async fn a_code_is_six_digits_works_once_and_is_not_stored_in_clear() {
        let (_d, state, _c, id) = setup().await;
        let code = issue(&state, id, Purpose::Login).await.unwrap().unwrap();
        assert_eq!(code.len(), 6);
        assert!(code.chars().all(|c| c.is_ascii_digit()));
        let stored: Vec<(Vec<u8>,)> = sqlx::query_as("SELECT code_hash FROM email_codes")
            .fetch_all(&state.pool)
            .await
            .unwrap();
        assert_eq!(stored[0].0.len(), 32);
        assert!(!stored[0].0.windows(6).any(|w| w == code.as_bytes()));

        assert_eq!(
            verify(&state, id, Purpose::Login, &code).await.unwrap(),
            Ok(())
        );
        assert_eq!(
            verify(&state, id, Purpose::Login, &code).await.unwrap(),
            Err(Refusal::Code(CodeProblem::Missing))
        );
    }

    #[tokio::test]
    async fn a_code_for_one_purpose_does_not_work_for_another() {
        let (_d, state, _c, id) = setup().await;
        let code = issue(&state, id, Purpose::Enrol).await.unwrap().unwrap();
        assert_eq!(
            verify(&state, id, Purpose::Reauth, &code).await.unwrap(),
            Err(Refusal::Code(CodeProblem::Missing))
        );
        assert_eq!(
            verify(&state, id, Purpose::Enrol, &code).await.unwrap(),
            Ok(())
        );
    }

    #[tokio::test]
    async fn five_wrong_tries_void_the_code_even_for_the_right_one_after() {
        let (_d, state, _c, id) = setup().await;
        let code = issue(&state, id, Purpose::Login).await.unwrap().unwrap();
        let wrong = if code.as_str() == "000000" {
            "111111"
        } else {
            "000000"
        };
        for left in (1..=4).rev() {
            assert_eq!(
                verify(&state, id, Purpose::Login, wrong).await.unwrap(),
                Err(Refusal::Code(CodeProblem::Wrong { tries_left: left }))
            );
        }
        assert_eq!(
            verify(&state, id, Purpose::Login, wrong).await.unwrap(),
            Err(Refusal::Code(CodeProblem::Voided))
        );
        assert_eq!(
            verify(&state, id, Purpose::Login, &code).await.unwrap(),
            Err(Refusal::Code(CodeProblem::Voided))
        );
    }

    #[tokio::test]
    async fn three_hundred_concurrent_guesses_get_at_most_five_compares() {
        let (_d, state, _c, id) = setup().await;
        let code = issue(&state, id, Purpose::Login).await.unwrap().unwrap();
        let mut guesses = tokio::task::JoinSet::new();
        for n in 0..300u32 {
            let state = state.clone();
            let guess = format!("{:06}", (n + 1 + code.parse::<u32>().unwrap()) % 1_000_000);
            guesses.spawn(async move { verify(&state, id, Purpose::Login, &guess).await });
        }
        let mut compared = 0;
        while let Some(answer) = guesses.join_next().await {
            match answer.unwrap().unwrap() {
                Err(Refusal::Code(CodeProblem::Wrong { .. })) => compared += 1,
                // The fifth wrong try voids the code: it was compared too.
                Err(Refusal::Code(CodeProblem::Voided)) => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(
            compared, 4,
            "four answers say 'wrong', the fifth voids the code"
        );
        let (tries,): (i64,) = sqlx::query_as("SELECT wrong_tries FROM email_codes")
            .fetch_one(&state.pool)
            .await
            .unwrap();
        assert_eq!(
            tries, 5,
            "exactly five tries were counted, so five compares"
        );
        assert_eq!(
            verify(&state, id, Purpose::Login, &code).await.unwrap(),
            Err(Refusal::Code(CodeProblem::Voided)),
            "the right code after the burst is refused"
        );
    }

    #[tokio::test]
    async fn codes_expire_after_ten_minutes() {
        let (_d, state, clock, id) = setup().await;
        let code = issue(&state, id, Purpose::Login).await.unwrap().unwrap();
        clock.advance(600);
        assert_eq!(
            verify(&state, id, Purpose::Login, &code).await.unwrap(),
            Err(Refusal::Code(CodeProblem::Expired))
        );
    }

    #[tokio::test]
    async fn resend_limits_and_only_the_newest_code_works() {
        let (_d, state, clock, id) = setup().await;
        let first = issue(&state, id, Purpose::Login).await.unwrap().unwrap();
        assert_eq!(
            issue(&state, id, Purpose::Login).await.unwrap(),
            Err(Refusal::TooSoon(60))
        );
        clock.advance(60);
        let second = issue(&state, id, Purpose::Login).await.unwrap().unwrap();
        if first != second {
            assert!(verify(&state, id, Purpose::Login, &first)
                .await
                .unwrap()
                .is_err());
        }
        assert_eq!(
            verify(&state, id, Purpose::Login, &second).await.unwrap(),
            Ok(())
        );
        for _ in 0..3 {
            clock.advance(60);
            issue(&state, id, Purpose::Reauth).await.unwrap().unwrap();
        }
        clock.advance(60);
        // Five in the hour, whatever their purpose: the sixth waits for the first to age out.
        assert_eq!(
            issue(&state, id, Purpose::Enrol).await.unwrap(),
            Err(Refusal::TooSoon(3600 - 300))
        );
    }
}
