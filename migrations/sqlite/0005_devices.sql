-- ActiveSync devices (phones) as the door sees them: one row per user and device id.
CREATE TABLE devices (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    device_id TEXT NOT NULL,
    device_type TEXT NOT NULL,
    user_agent TEXT NOT NULL DEFAULT '',
    protocol_version TEXT NOT NULL DEFAULT '',
    model TEXT NOT NULL DEFAULT '',
    friendly_name TEXT NOT NULL DEFAULT '',
    os TEXT NOT NULL DEFAULT '',
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    last_address TEXT NOT NULL DEFAULT '',
    -- Set by an admin: the door answers 403 to this device.
    blocked INTEGER NOT NULL DEFAULT 0,
    -- The device keeps presenting a password that no longer works.
    old_password INTEGER NOT NULL DEFAULT 0,
    last_failure_at INTEGER,
    -- Provision (MS-ASPROV): the key handed out and whether the device acknowledged it.
    policy_key TEXT,
    policy_acknowledged INTEGER NOT NULL DEFAULT 0,
    -- FolderSync: the hierarchy sync key last given to the device (0: none yet).
    folder_sync_key INTEGER NOT NULL DEFAULT 0,
    UNIQUE (user_id, device_id)
);
CREATE INDEX devices_by_user ON devices (user_id, last_seen DESC);
