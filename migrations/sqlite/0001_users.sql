-- Accounts of the console. Times are Unix seconds.
CREATE TABLE users (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    username             TEXT    NOT NULL UNIQUE,        -- stored lowercased
    email                TEXT    NOT NULL DEFAULT '',
    first_name           TEXT    NOT NULL DEFAULT '',
    last_name            TEXT    NOT NULL DEFAULT '',
    is_admin             INTEGER NOT NULL DEFAULT 0,
    active               INTEGER NOT NULL DEFAULT 1,
    language             TEXT,                           -- NULL: follow the browser
    password_hash        TEXT    NOT NULL,               -- argon2id PHC string
    session_version      INTEGER NOT NULL DEFAULT 1,     -- bumped to end all sessions
    must_change_password INTEGER NOT NULL DEFAULT 0,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);

CREATE INDEX users_email ON users (email);
