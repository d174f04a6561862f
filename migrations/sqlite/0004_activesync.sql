-- ActiveSync per user (SPEC 1.1, 1.2): the admin's switch and the dedicated sync password,
-- stored encrypted (AES-256-GCM: nonce and key id beside the ciphertext, never in clear).
ALTER TABLE users ADD COLUMN activesync_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN sync_password_ciphertext BLOB;
ALTER TABLE users ADD COLUMN sync_password_nonce BLOB;
ALTER TABLE users ADD COLUMN sync_password_key_id TEXT;
ALTER TABLE users ADD COLUMN sync_password_set_at INTEGER;
-- Bumped whenever anything that decides a device's credential changes (passwords, flags,
-- 2FA): the door's cache of good credentials is keyed by it.
ALTER TABLE users ADD COLUMN credential_version INTEGER NOT NULL DEFAULT 1;
