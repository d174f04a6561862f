-- Two-factor authentication per user (SPEC 1.3), organisation settings, and the audit trail.
ALTER TABLE users ADD COLUMN two_factor_method TEXT;                       -- NULL (off) or 'email'
ALTER TABLE users ADD COLUMN two_factor_required INTEGER NOT NULL DEFAULT 0;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE audit_events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    actor_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    target_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    action    TEXT    NOT NULL,
    address   TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX audit_events_by_target ON audit_events (target_id, at);
