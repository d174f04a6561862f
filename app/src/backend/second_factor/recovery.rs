//! Recovery codes (SPEC 1.3): 10 single-use codes from the OS generator, shown once, stored
//! only as an HMAC under the server key (a leaked database reveals none of them); each works
//! once in place of a code at sign-in and re-authentication, and using one is told by mail.

use crate::backend::error::Error;
use crate::backend::second_factor::app;
use crate::backend::state::AppState;
use crate::backend::store::second_factor as store;
use crate::backend::store::Connection;
use crate::domain::ids::UserId;
use crate::domain::messages::Msg;
use crate::domain::recovery_codes::{self, ALPHABET, COUNT, LENGTH};
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;
use zeroize::Zeroizing;

fn hash(key: &[u8; 32], user_id: UserId, normalized: &str) -> Vec<u8> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(b"recovery code\0");
    mac.update(&user_id.0.to_be_bytes());
    mac.update(normalized.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn new_code() -> Zeroizing<String> {
    let mut rng = rand::rngs::OsRng;
    Zeroizing::new(
        (0..LENGTH)
            .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
            .collect(),
    )
}

/// A new set written in `db` (the caller's transaction), replacing the old one. Returns the
/// codes as shown, to be shown once and never again.
pub async fn make_set(
    state: &AppState,
    db: &mut Connection,
    user_id: UserId,
) -> Result<Vec<String>, Error> {
    let codes: Vec<Zeroizing<String>> = (0..COUNT).map(|_| new_code()).collect();
    let hashes: Vec<Vec<u8>> = codes
        .iter()
        .map(|c| hash(&state.code_keys[0], user_id, c))
        .collect();
    let key_id = crate::backend::secrets::key_id_of(&state.code_keys[0]);
    store::replace_recovery_codes(db, user_id, (&key_id, &hashes), state.now())
        .await
        .map_err(Error::internal)?;
    Ok(codes.iter().map(|c| recovery_codes::shown(c)).collect())
}

/// Uses a typed recovery code up; returns how many are left. Wrong codes count with wrong
/// app codes (5 in 15 minutes). `field`: where a refusal is shown.
pub async fn use_code(
    state: &AppState,
    user_id: UserId,
    typed: &str,
    field: &'static str,
) -> Result<u32, Error> {
    if typed.trim().is_empty() {
        return Err(Error::invalid(field, Msg::Required));
    }
    app::take_try(state, user_id).await?;
    if !recovery_codes::well_formed(typed) {
        return Err(Error::invalid(field, Msg::RecoveryCodeWrong));
    }
    let normalized = recovery_codes::normalized(typed);
    let mut used = false;
    for key in state.code_keys.iter() {
        let h = hash(key, user_id, &normalized);
        if store::use_recovery_code(&state.pool, user_id, &h, state.now())
            .await
            .map_err(Error::internal)?
        {
            used = true;
            break;
        }
    }
    if !used {
        return Err(Error::invalid(field, Msg::RecoveryCodeWrong));
    }
    app::clear_tries(state, user_id).await?;
    left(state, user_id).await
}

pub async fn left(state: &AppState, user_id: UserId) -> Result<u32, Error> {
    let n = store::recovery_codes_left(&state.pool, user_id)
        .await
        .map_err(Error::internal)?;
    Ok(u32::try_from(n).unwrap_or(0))
}
