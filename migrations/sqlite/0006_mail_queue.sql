-- Mail waiting for delivery: kept until the mail server accepted it, so a crash or a restart
-- loses none, and claimed by one instance at a time, so none goes out twice. The message is
-- sealed under the key file (it may hold a security code).
CREATE TABLE mail_queue (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient       TEXT    NOT NULL,
    ciphertext      BLOB    NOT NULL,
    nonce           BLOB    NOT NULL,
    key_id          TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_by      TEXT,
    claimed_until   INTEGER,
    last_error      TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX mail_queue_due ON mail_queue (next_attempt_at);
