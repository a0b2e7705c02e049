-- Key rotations (issue 16, item 8): one row per rotation, written before its new data key
-- is generated, so that a rerun or a restart after a crash resumes the same rotation with
-- the same target key instead of generating another. Counts only: no value, no file name.
CREATE TABLE key_rotations (
    id INTEGER PRIMARY KEY,
    target_key TEXT NOT NULL,
    started_at TEXT NOT NULL,
    started_by INTEGER,
    phase TEXT NOT NULL,
    fields_total INTEGER NOT NULL DEFAULT 0,
    fields_done INTEGER NOT NULL DEFAULT 0,
    fields_failed INTEGER NOT NULL DEFAULT 0,
    files_total INTEGER NOT NULL DEFAULT 0,
    files_done INTEGER NOT NULL DEFAULT 0,
    files_failed INTEGER NOT NULL DEFAULT 0,
    index_total INTEGER NOT NULL DEFAULT 0,
    index_done INTEGER NOT NULL DEFAULT 0,
    index_deferred INTEGER NOT NULL DEFAULT 0,
    finished_at TEXT
);
