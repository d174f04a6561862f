//! What a session holds and how it is checked. A session stores the user id and the user's
//! session version; bumping the version in the database (deactivation, password change)
//! ends every other session of that user at its next request.

use crate::backend::error::Error;
use crate::backend::secrets::Sealed;
use crate::backend::state::AppState;
use crate::backend::store;
use crate::backend::store::users::UserRecord;
use crate::domain::ids::UserId;
use crate::domain::model::{mask_email, SessionInfo};
use crate::domain::session_rule::{session_verdict, SessionVerdict};
use crate::domain::two_factor::TwoFactorMethod;
use crate::i18n::Lang;
use serde::{Deserialize, Serialize};
/// The session store is tower-sessions; the rest of the backend names it through here.
pub use tower_sessions::Session;

const KEY: &str = "auth";
/// Password accepted, second factor awaited: not signed in yet.
const PENDING: &str = "pending";
/// How long the second step may take after the password step.
const PENDING_SECS: i64 = 15 * 60;
/// When this session last re-authenticated (SPEC 1.4); absent: never.
const REAUTH: &str = "reauthed_at";
/// The second factor the user had when they re-authenticated (absent: none).
const REAUTH_METHOD: &str = "reauthed_with";
/// The sync password chosen in the enrolment dialog, sealed, until the enrolment code arrives.
const HELD_SYNC_PASSWORD: &str = "enrol_sync_password";
const HELD_APP_SECRET: &str = "enrol_app_secret";

/// However active, a session ends this long after its sign-in (besides the idle expiry).
pub const ABSOLUTE_LIFETIME_SECS: i64 = 7 * 24 * 3600;

#[derive(Clone, Debug, Serialize, Deserialize)]
struct SignedIn {
    user_id: UserId,
    version: i64,
    /// When the user signed in (sessions from before this field read as expired).
    #[serde(default)]
    since: i64,
    /// Random, made at sign-in; its hash names this session as the one a change of the
    /// user's own keeps signed in (`domain::session_rule`). Absent in older sessions.
    #[serde(default)]
    token: Option<String>,
}

/// A value held in the session for `user_id` while a change waits for its proof (a sealed
/// secret during an enrolment, a new address until its code comes back).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Held<T> {
    user_id: UserId,
    // The names these values were first stored under.
    #[serde(alias = "sealed", alias = "email")]
    value: T,
}

async fn hold<T: Serialize + Send + Sync>(
    session: &Session,
    key: &str,
    user_id: UserId,
    value: T,
) -> Result<(), Error> {
    session
        .insert(key, Held { user_id, value })
        .await
        .map_err(Error::internal)
}

/// What is held under `key` for `user_id` (nothing for another user).
async fn held<T: serde::de::DeserializeOwned>(
    session: &Session,
    key: &str,
    user_id: UserId,
) -> Result<Option<T>, Error> {
    let held = session.get::<Held<T>>(key).await.map_err(Error::internal)?;
    Ok(held.filter(|h| h.user_id == user_id).map(|h| h.value))
}

async fn release(session: &Session, key: &str) -> Result<(), Error> {
    session
        .remove_value(key)
        .await
        .map(drop)
        .map_err(Error::internal)
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct Pending {
    user_id: UserId,
    version: i64,
    since: i64,
}

/// Starts a signed-in session under a fresh id (no fixation). A login is not a
/// re-authentication: sensitive actions still ask for one.
pub async fn begin(
    session: &Session,
    user_id: UserId,
    version: i64,
    now: i64,
) -> Result<(), Error> {
    start(session, user_id, version, now).await
}

async fn start(session: &Session, user_id: UserId, version: i64, since: i64) -> Result<(), Error> {
    use rand::RngCore;
    let mut token = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut token);
    session.cycle_id().await.map_err(Error::internal)?;
    session
        .remove_value(PENDING)
        .await
        .map_err(Error::internal)?;
    session
        .remove_value(REAUTH)
        .await
        .map_err(Error::internal)?;
    session
        .remove_value(REAUTH_METHOD)
        .await
        .map_err(Error::internal)?;
    drop_held_sync_password(session).await?;
    drop_held_app_secret(session).await?;
    session
        .insert(
            KEY,
            SignedIn {
                user_id,
                version,
                since,
                token: Some(hex(&token)),
            },
        )
        .await
        .map_err(Error::internal)
}

/// When this session signed in (a forced enrolment right after it needs no second proof).
pub async fn signed_in_at(session: &Session) -> Result<Option<i64>, Error> {
    Ok(session
        .get::<SignedIn>(KEY)
        .await
        .map_err(Error::internal)?
        .map(|s| s.since))
}

/// Records a successful re-authentication at `now` with `method` (the second factor proven),
/// under a fresh session id.
pub async fn mark_reauthenticated(
    session: &Session,
    now: i64,
    method: TwoFactorMethod,
) -> Result<(), Error> {
    session.cycle_id().await.map_err(Error::internal)?;
    session
        .insert(REAUTH_METHOD, method)
        .await
        .map_err(Error::internal)?;
    session.insert(REAUTH, now).await.map_err(Error::internal)
}

/// The second factor the last re-authentication proved (`Off`: the password alone).
pub async fn reauthenticated_with(session: &Session) -> Result<TwoFactorMethod, Error> {
    Ok(session
        .get::<TwoFactorMethod>(REAUTH_METHOD)
        .await
        .map_err(Error::internal)?
        .unwrap_or(TwoFactorMethod::Off))
}

/// Keeps the sync password chosen while turning 2FA on (sealed) until the code confirms it.
pub async fn hold_sync_password(
    session: &Session,
    user_id: UserId,
    sealed: Sealed,
) -> Result<(), Error> {
    hold(session, HELD_SYNC_PASSWORD, user_id, sealed).await
}

/// The sync password held for `user_id`'s enrolment, if any.
pub async fn held_sync_password(
    session: &Session,
    user_id: UserId,
) -> Result<Option<Sealed>, Error> {
    held(session, HELD_SYNC_PASSWORD, user_id).await
}

pub async fn drop_held_sync_password(session: &Session) -> Result<(), Error> {
    release(session, HELD_SYNC_PASSWORD).await
}

/// The new authenticator app's secret (sealed), until a code from the app proves it.
pub async fn hold_app_secret(
    session: &Session,
    user_id: UserId,
    sealed: Sealed,
) -> Result<(), Error> {
    hold(session, HELD_APP_SECRET, user_id, sealed).await
}

pub async fn held_app_secret(session: &Session, user_id: UserId) -> Result<Option<Sealed>, Error> {
    held(session, HELD_APP_SECRET, user_id).await
}

pub async fn drop_held_app_secret(session: &Session) -> Result<(), Error> {
    release(session, HELD_APP_SECRET).await
}

const NEW_EMAIL: &str = "new_email";

/// The new address a user asked for, until the code sent there confirms it.
pub async fn hold_new_email(session: &Session, user_id: UserId, email: &str) -> Result<(), Error> {
    hold(session, NEW_EMAIL, user_id, email.to_string()).await
}

/// The address awaiting its code for `user_id`.
pub async fn held_new_email(session: &Session, user_id: UserId) -> Result<Option<String>, Error> {
    held(session, NEW_EMAIL, user_id).await
}

pub async fn drop_new_email(session: &Session) -> Result<(), Error> {
    release(session, NEW_EMAIL).await
}

/// When this session last re-authenticated.
pub async fn reauthenticated_at(session: &Session) -> Result<Option<i64>, Error> {
    session.get::<i64>(REAUTH).await.map_err(Error::internal)
}

/// Records that the password step succeeded; the session is not signed in until the second
/// factor is proven. The id is rotated here too.
pub async fn begin_pending(session: &Session, user: &UserRecord, now: i64) -> Result<(), Error> {
    session.cycle_id().await.map_err(Error::internal)?;
    session.remove_value(KEY).await.map_err(Error::internal)?;
    session
        .insert(
            PENDING,
            Pending {
                user_id: user.id,
                version: user.session_version,
                since: now,
            },
        )
        .await
        .map_err(Error::internal)
}

/// The user whose second step this session awaits, if it is still current.
pub async fn pending_user(
    state: &AppState,
    session: &Session,
) -> Result<Option<UserRecord>, Error> {
    let Some(p) = session
        .get::<Pending>(PENDING)
        .await
        .map_err(Error::internal)?
    else {
        return Ok(None);
    };
    if state.now() - p.since >= PENDING_SECS {
        session
            .remove_value(PENDING)
            .await
            .map_err(Error::internal)?;
        return Ok(None);
    }
    still_valid(state, p.user_id, p.version).await
}

/// What a change of the user's own writes beside its version bump, so that this session
/// stays signed in while all the others end (`domain::session_rule`), whether or not the
/// request finishes. `None` for a session without a token (it then ends too).
pub async fn kept(session: &Session) -> Result<Option<String>, Error> {
    let signed_in = session
        .get::<SignedIn>(KEY)
        .await
        .map_err(Error::internal)?;
    Ok(signed_in.and_then(|s| s.token).map(|t| token_hash(&t)))
}

fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Brings this session to the user's new version after their own change (the one `kept`
/// named). The id is not changed: the re-authentication that allowed the change already
/// did, and a new id would be lost with a response the browser never reads. The
/// re-authentication stays valid for the rest of its window.
pub async fn renew(session: &Session, user_id: UserId, version: i64) -> Result<(), Error> {
    let Some(mut signed_in) = session
        .get::<SignedIn>(KEY)
        .await
        .map_err(Error::internal)?
    else {
        return Ok(());
    };
    if signed_in.user_id == user_id && signed_in.version < version {
        signed_in.version = version;
        session
            .insert(KEY, signed_in)
            .await
            .map_err(Error::internal)?;
    }
    Ok(())
}

/// Deletes the session record on the server.
pub async fn end(session: &Session) -> Result<(), Error> {
    session.flush().await.map_err(Error::internal)
}

/// Signs out: the session record is deleted, not just the cookie.
pub async fn sign_out(session: &Session, browser_lang: Lang) -> Result<SessionInfo, Error> {
    end(session).await?;
    Ok(SessionInfo {
        user: None,
        lang: browser_lang,
        pending_code_to: None,
        code_wait_secs: None,
        pending_app_code: false,
    })
}

/// The signed-in user's full record if the session is still valid.
pub async fn current_record(
    state: &AppState,
    session: &Session,
) -> Result<Option<UserRecord>, Error> {
    let Some(signed_in) = session
        .get::<SignedIn>(KEY)
        .await
        .map_err(Error::internal)?
    else {
        return Ok(None);
    };
    if state.now().saturating_sub(signed_in.since) >= ABSOLUTE_LIFETIME_SECS {
        end(session).await?;
        return Ok(None);
    }
    let user = store::users::by_id(&state.pool, signed_in.user_id)
        .await
        .map_err(Error::internal)?
        .filter(|u| u.active);
    let token = signed_in.token.as_deref().map(token_hash);
    let verdict = user.as_ref().map(|u| {
        session_verdict(
            u.session_version,
            u.kept_session.as_deref(),
            signed_in.version,
            token.as_deref(),
        )
    });
    match (user, verdict) {
        (Some(u), Some(SessionVerdict::Current)) => Ok(Some(u)),
        (Some(u), Some(SessionVerdict::Kept)) => {
            renew(session, u.id, u.session_version).await?;
            Ok(Some(u))
        }
        _ => {
            end(session).await?;
            Ok(None)
        }
    }
}

/// The user if they still exist, are active and have not had their sessions ended since.
async fn still_valid(
    state: &AppState,
    user_id: UserId,
    version: i64,
) -> Result<Option<UserRecord>, Error> {
    let user = store::users::by_id(&state.pool, user_id)
        .await
        .map_err(Error::internal)?;
    Ok(user.filter(|u| u.active && u.session_version == version))
}

pub async fn info(
    state: &AppState,
    session: &Session,
    browser: Lang,
) -> Result<SessionInfo, Error> {
    if let Some(u) = current_record(state, session).await? {
        return Ok(SessionInfo {
            lang: u.language.unwrap_or(browser),
            user: Some(u.current()),
            pending_code_to: None,
            code_wait_secs: None,
            pending_app_code: false,
        });
    }
    let pending = pending_user(state, session).await?;
    Ok(SessionInfo {
        user: None,
        lang: pending
            .as_ref()
            .and_then(|u| *u.language)
            .unwrap_or(browser),
        pending_code_to: pending
            .as_ref()
            .filter(|u| u.two_factor() == TwoFactorMethod::Email)
            .map(|u| mask_email(&u.email)),
        code_wait_secs: None,
        pending_app_code: pending.is_some_and(|u| u.two_factor() == TwoFactorMethod::App),
    })
}
