//! Whether a signed-in session still holds after the user's session version moved on.
//!
//! A change that ends "every other session" (2FA on or off, a new login password or email)
//! bumps the user's session version and, in the same transaction, names the one session that
//! made it (by a hash of that session's sign-in token). That session stays signed in even if
//! the request that made the change never finished: its browser dropped it, or another request
//! of the same page read the session before the change was written into it. Any later bump
//! (another session's change, an admin's reset) names another session or none.

/// What a request finds about its session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum SessionVerdict {
    /// The session's version is the user's: signed in.
    Current,
    /// The session made the latest change: signed in, and its version is brought up to date.
    Kept,
    /// Ended by a change made elsewhere (or by an admin): signed out.
    Ended,
}

/// `user_version`/`kept` are the user's row; `version`/`token` the session's.
pub fn session_verdict(
    user_version: i64,
    kept: Option<&str>,
    version: i64,
    token: Option<&str>,
) -> SessionVerdict {
    if version == user_version {
        return SessionVerdict::Current;
    }
    match (kept, token) {
        (Some(kept), Some(token)) if kept == token && version < user_version => {
            SessionVerdict::Kept
        }
        _ => SessionVerdict::Ended,
    }
}

#[cfg(test)]
mod tests {
    use super::SessionVerdict::*;
    use super::*;

    #[test]
    fn the_rule_row_by_row() {
        // (user version, kept, session version, session token) → verdict
        type Row<'a> = (i64, Option<&'a str>, i64, Option<&'a str>, SessionVerdict);
        let rows: &[Row] = &[
            // Nothing changed since the sign-in.
            (3, None, 3, Some("a"), Current),
            (3, Some("b"), 3, Some("a"), Current),
            (3, None, 3, None, Current),
            // This session made the change; its request may not have finished.
            (4, Some("a"), 3, Some("a"), Kept),
            // ... even several of its own changes in a row.
            (6, Some("a"), 3, Some("a"), Kept),
            // Another session of the user made the change.
            (4, Some("b"), 3, Some("a"), Ended),
            // An admin's change (reset 2FA, a new password) keeps no session.
            (4, None, 3, Some("a"), Ended),
            // A session from before tokens existed is never kept.
            (4, Some("a"), 3, None, Ended),
            (4, None, 3, None, Ended),
            // A version from the future (a restored database) is not trusted.
            (3, Some("a"), 4, Some("a"), Ended),
        ];
        for &(user_version, kept, version, token, want) in rows {
            assert_eq!(
                session_verdict(user_version, kept, version, token),
                want,
                "user v{user_version} kept {kept:?}, session v{version} token {token:?}"
            );
        }
    }
}
