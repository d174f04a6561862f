//! The authenticator app (SPEC 1.3): a 160-bit secret from the OS generator, sealed like the
//! sync password, offered as a QR code and as text; codes checked under `domain::app_codes`
//! (one step of drift, each step once, wrong tries counted before the compare).

use crate::backend::error::Error;
use crate::backend::secrets::Sealed;
use crate::backend::state::AppState;
use crate::backend::store::second_factor as store;
use crate::domain::app_codes;
use crate::domain::ids::UserId;
use crate::domain::messages::Msg;
use crate::domain::model::AppEnrolment;
use base64::Engine;
use rand::RngCore;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

pub const ISSUER: &str = "syncgate";
const SECRET_BYTES: usize = 20;
/// Sealed with this prefix, so no other sealed value of the user (the sync password) can be
/// moved into its place.
const SEALED_PREFIX: &str = "totp:";

/// A new secret, base32 as apps read it.
pub fn new_secret() -> Zeroizing<String> {
    let mut raw = Zeroizing::new([0u8; SECRET_BYTES]);
    rand::rngs::OsRng.fill_bytes(&mut raw[..]);
    match totp_rs::Secret::Raw(raw.to_vec()).to_encoded() {
        totp_rs::Secret::Encoded(s) => Zeroizing::new(s),
        totp_rs::Secret::Raw(_) => unreachable!("to_encoded gives the encoded form"),
    }
}

pub fn seal(state: &AppState, owner: UserId, base32: &str) -> Sealed {
    state
        .secrets
        .seal(owner, &format!("{SEALED_PREFIX}{base32}"))
}

pub fn open(state: &AppState, owner: UserId, sealed: &Sealed) -> Result<Zeroizing<String>, Error> {
    let plain = state.secrets.open(owner, sealed).map_err(Error::internal)?;
    plain
        .strip_prefix(SEALED_PREFIX)
        .map(|s| Zeroizing::new(s.to_owned()))
        .ok_or_else(|| Error::internal("the sealed app secret has no prefix"))
}

/// The code an app shows for `step`.
pub fn code_at(base32: &str, step: i64) -> Result<Zeroizing<String>, Error> {
    let bytes = Zeroizing::new(
        totp_rs::Secret::Encoded(base32.to_owned())
            .to_bytes()
            .map_err(|e| Error::internal(format!("app secret: {e:?}")))?,
    );
    let totp = totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        app_codes::DIGITS,
        0,
        app_codes::STEP_SECS as u64,
        bytes.to_vec(),
    )
    .map_err(|e| Error::internal(format!("app secret: {e:?}")))?;
    let at = u64::try_from(step * app_codes::STEP_SECS).unwrap_or(0);
    Ok(Zeroizing::new(totp.generate(at)))
}

/// The step among those accepted at `now` whose code is `typed`, if any (every candidate is
/// compared, in constant time, so the answer's timing says nothing).
pub fn matching_step(base32: &str, typed: &str, now: i64) -> Result<Option<i64>, Error> {
    let typed = app_codes::normalized(typed);
    let mut found = None;
    for step in app_codes::candidate_steps(now) {
        let code = code_at(base32, step)?;
        if bool::from(code.as_bytes().ct_eq(typed.as_bytes())) {
            found = Some(step);
        }
    }
    Ok(found)
}

/// What the enrolment page shows: the QR code (SVG, as an image), the text and the address.
pub fn enrolment(username: &str, base32: &str) -> Result<AppEnrolment, Error> {
    let uri = app_codes::otpauth_uri(ISSUER, username, base32);
    let qr = qrcode::QrCode::new(uri.as_bytes()).map_err(Error::internal)?;
    let svg = qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    let qr_image = format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    );
    Ok(AppEnrolment {
        secret: app_codes::grouped(base32),
        uri,
        qr_image,
    })
}

/// Counts a try before the compare (5 in 15 minutes per user, shared with recovery codes).
pub async fn take_try(state: &AppState, user_id: UserId) -> Result<(), Error> {
    let now = state.now();
    let counted = store::take_try(
        &state.pool,
        user_id,
        now,
        app_codes::TRIES_WINDOW_SECS,
        app_codes::MAX_WRONG_TRIES,
    )
    .await
    .map_err(Error::internal)?;
    if counted.is_some() {
        return Ok(());
    }
    let (tries, since) = store::tries(&state.pool, user_id)
        .await
        .map_err(Error::internal)?;
    let wait = app_codes::may_try(tries, since, now).err().unwrap_or(1);
    tracing::info!(user = %user_id, "second-factor code refused: too many wrong tries");
    Err(Error::RateLimited {
        retry_after_secs: u64::try_from(wait.max(1)).unwrap_or(1),
    })
}

/// A right code ends the count.
pub async fn clear_tries(state: &AppState, user_id: UserId) -> Result<(), Error> {
    store::clear_tries(&state.pool, user_id)
        .await
        .map_err(Error::internal)
}

/// Checks a code from the user's app (their method): right, of a step not used before.
/// `field`: where a refusal is shown.
pub async fn check(
    state: &AppState,
    user_id: UserId,
    typed: &str,
    field: &'static str,
) -> Result<(), Error> {
    if typed.trim().is_empty() {
        return Err(Error::invalid(field, Msg::Required));
    }
    let (sealed, last) = store::app_secret(&state.pool, user_id)
        .await
        .map_err(Error::internal)?
        .ok_or_else(|| Error::invalid(field, Msg::CodeWrong))?;
    take_try(state, user_id).await?;
    let secret = open(state, user_id, &sealed)?;
    let Some(step) = matching_step(&secret, typed, state.now())? else {
        return Err(Error::invalid(field, Msg::CodeWrong));
    };
    if !app_codes::unused(step, last)
        || !store::take_step(&state.pool, user_id, step)
            .await
            .map_err(Error::internal)?
    {
        return Err(Error::invalid(field, Msg::AppCodeUsed));
    }
    clear_tries(state, user_id).await
}

/// Checks the code that proves a new app (its secret held in the session): the step it
/// matched, to be stored with the secret.
pub async fn check_new(
    state: &AppState,
    user_id: UserId,
    base32: &str,
    typed: &str,
) -> Result<i64, Error> {
    if typed.trim().is_empty() {
        return Err(Error::invalid("code", Msg::Required));
    }
    take_try(state, user_id).await?;
    let step = matching_step(base32, typed, state.now())?
        .ok_or_else(|| Error::invalid("code", Msg::CodeWrong))?;
    // A right code here proves only the secret just made, not the factor that guards the
    // sign-in: its own try is given back, the wrong ones counted before stay.
    store::give_back_try(&state.pool, user_id)
        .await
        .map_err(Error::internal)?;
    Ok(step)
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 appendix B, SHA-1: the secret "12345678901234567890", 8 digits there; the
    // last 6 of each are what a 6-digit app shows.
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn codes_match_the_rfc_test_vectors() {
        for (time, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            let code = code_at(RFC_SECRET, time / 30).unwrap();
            assert_eq!(code.as_str(), &eight[2..], "at {time}");
        }
    }

    #[test]
    fn one_step_of_drift_is_accepted_not_two() {
        let now = 1_234_567_890;
        let step = now / 30;
        for (offset, accepted) in [(-2, false), (-1, true), (0, true), (1, true), (2, false)] {
            let code = code_at(RFC_SECRET, step + offset).unwrap();
            let found = matching_step(RFC_SECRET, &code, now).unwrap();
            assert_eq!(found.is_some(), accepted, "offset {offset}");
            if accepted {
                assert_eq!(found, Some(step + offset));
            }
        }
        let spaced = code_at(RFC_SECRET, step).unwrap();
        let spaced = format!("{} {}", &spaced[..3], &spaced[3..]);
        assert_eq!(matching_step(RFC_SECRET, &spaced, now).unwrap(), Some(step));
    }

    #[test]
    fn a_new_secret_is_160_bits_of_base32() {
        let a = new_secret();
        let b = new_secret();
        assert_eq!(a.len(), 32);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)));
        assert_ne!(*a, *b);
    }

    #[test]
    fn the_enrolment_offers_an_svg_qr_code_and_the_grouped_text() {
        let e = enrolment("anna", RFC_SECRET).unwrap();
        assert_eq!(e.secret, "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ");
        assert!(e
            .uri
            .starts_with("otpauth://totp/syncgate:anna?secret=GEZDGNBV"));
        let svg = base64::engine::general_purpose::STANDARD
            .decode(e.qr_image.trim_start_matches("data:image/svg+xml;base64,"))
            .unwrap();
        let svg = String::from_utf8(svg).unwrap();
        assert!(svg.contains("<svg"), "{svg}");
    }
}
