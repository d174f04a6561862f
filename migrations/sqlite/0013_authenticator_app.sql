-- The authenticator app and recovery codes (issue 16, SPEC 1.3).

-- The app's TOTP secret, sealed like the sync password (AES-256-GCM, key id beside it). A row
-- exists only while the app is the user's method; during enrolment the secret waits, sealed,
-- in the session.
CREATE TABLE authenticator_apps (
    user_id           INTEGER NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_ciphertext BLOB NOT NULL,
    secret_nonce      BLOB NOT NULL,
    secret_key_id     TEXT NOT NULL,
    last_step         INTEGER,          -- the newest 30-second step accepted: never again (replay)
    created_at        INTEGER NOT NULL
);

-- Ten single-use codes in place of a second-factor code, stored only as
-- HMAC-SHA256(server key, user id, code), with the id of the key (a retired key cannot be
-- dropped while codes made under it are unused).
CREATE TABLE recovery_codes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key_id     TEXT NOT NULL,
    code_hash  BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX recovery_codes_by_user ON recovery_codes (user_id);

-- Wrong app and recovery codes, counted before the compare: 5 in 15 minutes, then a wait.
ALTER TABLE users ADD COLUMN factor_tries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN factor_tries_since INTEGER NOT NULL DEFAULT 0;
