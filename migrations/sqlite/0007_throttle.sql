-- Failed attempts counted across instances (PostgreSQL; one SQLite instance counts in memory).
-- `seen` and `wrong`: comma-separated keyed hashes of the presented passwords (hex).
CREATE TABLE throttle (
    scope           TEXT    NOT NULL,
    key             TEXT    NOT NULL,
    failures        INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL,
    seen            TEXT    NOT NULL DEFAULT '',
    wrong           TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (scope, key)
);
