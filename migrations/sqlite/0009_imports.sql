-- Imports of vCard and iCalendar files: their progress while they run (any instance can show
-- it, the page refreshes) and, once finished, their report.
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- 'contacts' or 'calendar'
    kind TEXT NOT NULL CHECK (kind IN ('contacts', 'calendar')),
    file_name TEXT NOT NULL,
    total INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    added INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    -- What was skipped and why: JSON [{"line": 12, "reason": ...}].
    skipped TEXT NOT NULL DEFAULT '[]',
    started_at INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX imports_by_user ON imports (user_id, id);
