ALTER TABLE users ADD COLUMN activesync_enabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN sync_password_ciphertext BYTEA;
ALTER TABLE users ADD COLUMN sync_password_nonce BYTEA;
ALTER TABLE users ADD COLUMN sync_password_key_id TEXT;
ALTER TABLE users ADD COLUMN sync_password_set_at BIGINT;
ALTER TABLE users ADD COLUMN credential_version BIGINT NOT NULL DEFAULT 1;
