-- Each user's folders (Contacts, Calendar; room for more) and what is in them, with the change
-- log phones sync from: every add, change and delete takes the folder's next sequence number.
CREATE TABLE folders (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- 'contacts' or 'calendar'
    kind TEXT NOT NULL CHECK (kind IN ('contacts', 'calendar')),
    name TEXT NOT NULL,
    -- The one a phone gets as its default Contacts / Calendar folder.
    is_default INTEGER NOT NULL DEFAULT 0,
    -- The sequence number of the latest change in the folder.
    last_seq INTEGER NOT NULL DEFAULT 0,
    -- Deletions up to this number were forgotten: a device that knows less must sync afresh.
    forgotten_seq INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX folders_one_default ON folders (user_id, kind) WHERE is_default;

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
    uid TEXT NOT NULL,
    -- The folder's sequence number of the latest change to this contact.
    seq INTEGER NOT NULL,
    -- Every field the forms show, as JSON (domain::model::contacts::Contact).
    card TEXT NOT NULL,
    -- What the list sorts and searches by (derived from the card).
    sort_name TEXT NOT NULL,
    search_text TEXT NOT NULL,
    -- Dates without a time, YYYY-MM-DD.
    birthday TEXT,
    anniversary TEXT,
    picture BLOB,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (folder_id, uid)
);
CREATE INDEX contacts_changes ON contacts (folder_id, seq);
CREATE INDEX contacts_by_name ON contacts (folder_id, sort_name, id);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
    uid TEXT NOT NULL,
    seq INTEGER NOT NULL,
    title TEXT NOT NULL,
    location TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    -- Timed: UTC instants (seconds) and the IANA zone they were entered in.
    -- All-day: dates (YYYY-MM-DD, end exclusive), instants NULL.
    all_day INTEGER NOT NULL DEFAULT 0,
    starts_at INTEGER,
    ends_at INTEGER,
    start_date TEXT,
    end_date TEXT,
    time_zone TEXT NOT NULL,
    -- RFC 5545 RRULE value (without "RRULE:"), NULL for a single event.
    rrule TEXT,
    reminder_minutes INTEGER,
    busy_status TEXT NOT NULL DEFAULT 'busy',
    sensitivity TEXT NOT NULL DEFAULT 'normal',
    -- The UTC span every occurrence falls in (range_end NULL: the series has no end), for
    -- "what happens between a and b" as one indexed query.
    range_start INTEGER NOT NULL,
    range_end INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (folder_id, uid)
);
CREATE INDEX events_changes ON events (folder_id, seq);
CREATE INDEX events_by_range ON events (folder_id, range_start);

CREATE TABLE event_attendees (
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL,
    -- 'none', 'accepted', 'tentative', 'declined'
    response TEXT NOT NULL DEFAULT 'none',
    PRIMARY KEY (event_id, position)
);

-- One occurrence of a series changed or deleted, named by its original start (UTC seconds;
-- for all-day series, the original date's midnight UTC).
CREATE TABLE event_exceptions (
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    original_start INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    -- What differs from the series (domain::model::calendar::Occurrence as JSON), NULL if deleted.
    changes TEXT,
    PRIMARY KEY (event_id, original_start)
);

-- Deleted items, kept so that devices learn of the deletion; forgotten after a while.
CREATE TABLE tombstones (
    folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
    item_id INTEGER NOT NULL,
    uid TEXT NOT NULL,
    seq INTEGER NOT NULL,
    deleted_at INTEGER NOT NULL,
    PRIMARY KEY (folder_id, seq)
);
CREATE INDEX tombstones_by_age ON tombstones (deleted_at);

-- "Sync with my devices": what the door offers this user's phones.
ALTER TABLE users ADD COLUMN sync_contacts INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN sync_calendar INTEGER NOT NULL DEFAULT 1;
-- FolderSync: the folders this device was last given (comma-separated server ids); the
-- devices that synced before this migration were given both.
ALTER TABLE devices ADD COLUMN folders_offered TEXT NOT NULL DEFAULT 'contacts,calendar';
-- The user's IANA time zone for new events and the calendar's views ('' until chosen: UTC).
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
