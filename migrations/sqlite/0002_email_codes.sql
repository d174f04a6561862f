-- One-time codes sent by email (SPEC 1.3). Only a keyed hash of the code is stored.
CREATE TABLE email_codes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     TEXT    NOT NULL,            -- 'login', 'enrol', 'reauth'
    code_hash   BLOB    NOT NULL,            -- HMAC-SHA256(server key, user id, purpose, code)
    issued_at   INTEGER NOT NULL,
    wrong_tries INTEGER NOT NULL DEFAULT 0,
    used        INTEGER NOT NULL DEFAULT 0   -- 1 once accepted, replaced or voided
);

CREATE INDEX email_codes_by_user ON email_codes (user_id, issued_at);
