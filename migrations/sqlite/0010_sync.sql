-- Sync (MS-ASCMD): each folder as one device syncs it (a "collection"), and its sync states.
-- A state is what the device holds after an answer: the change-log position, the items on it,
-- its own recent changes (not echoed back) and the ClientIds of its adds (a resent add maps to
-- the same item). The state of the key the device last sent is kept until it sends the next.
CREATE TABLE sync_collections (
    id INTEGER PRIMARY KEY,
    device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    -- The folder's server id at the door ('contacts', 'calendar', 'inbox', ...).
    collection TEXT NOT NULL,
    -- The next sync key to hand out (never reused, also across a new start from key 0).
    next_key INTEGER NOT NULL DEFAULT 1,
    -- What the device said on its first Sync (JSON: Supported properties).
    options TEXT NOT NULL DEFAULT '{}',
    last_sync_at INTEGER,
    item_count INTEGER NOT NULL DEFAULT 0,
    -- Loop protection: how often in a row the device resent an old key, and the items skipped
    -- for it after that (JSON array of item ids).
    resends INTEGER NOT NULL DEFAULT 0,
    skipped TEXT NOT NULL DEFAULT '[]',
    -- While the device's position is below this, windows hold one item (a bad one is found).
    narrow_until INTEGER NOT NULL DEFAULT 0,
    UNIQUE (device_id, collection)
);

CREATE TABLE sync_states (
    collection_id INTEGER NOT NULL REFERENCES sync_collections(id) ON DELETE CASCADE,
    sync_key INTEGER NOT NULL,
    -- JSON (backend::sync::state::SyncState).
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (collection_id, sync_key)
);

-- Ping (push): the folders and heartbeat the device last asked for (an empty Ping reuses
-- them), and its last Sync's collections (an empty Sync repeats them).
ALTER TABLE devices ADD COLUMN ping_heartbeat INTEGER;
ALTER TABLE devices ADD COLUMN ping_folders TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN last_sync_request TEXT NOT NULL DEFAULT '';
