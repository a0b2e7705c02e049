-- Record linkage over the persons in the app (issue 7). One source for both backends (see migrate.rs).
-- A run: who started it, when, its settings and the trained model (m/u per level).
CREATE TABLE stat_linkage_runs (
    id INTEGER PRIMARY KEY,
    scope TEXT NOT NULL,
    settings TEXT NOT NULL,
    model TEXT NOT NULL,
    records INTEGER NOT NULL,
    candidates INTEGER NOT NULL,
    pairs INTEGER NOT NULL,
    diagnostics TEXT NOT NULL,
    started_by INTEGER,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL
);

-- Candidate pairs of a run, with the match probability and the per-field explanation
-- (field, level, weight: never the values). `outcome` records what accepting did, for undo.
CREATE TABLE stat_linkage_pairs (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES stat_linkage_runs(id),
    left_kind TEXT NOT NULL,
    left_id INTEGER NOT NULL,
    right_kind TEXT NOT NULL,
    right_id INTEGER NOT NULL,
    probability REAL NOT NULL,
    match_weight REAL NOT NULL,
    explanation TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    reviewed_by INTEGER,
    reviewed_at TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT ''
);
CREATE INDEX stat_linkage_pairs_run ON stat_linkage_pairs (run_id, status);

-- Violations persons found to be the same person: `merged_id` is consolidated into
-- `person_id`. Both person records stay as they are; undo sets `undone_at`.
CREATE TABLE stat_person_merges (
    id INTEGER PRIMARY KEY,
    pair_id INTEGER REFERENCES stat_linkage_pairs(id),
    person_id INTEGER NOT NULL REFERENCES vio_persons(id),
    merged_id INTEGER NOT NULL REFERENCES vio_persons(id),
    merged_by INTEGER,
    merged_at TEXT NOT NULL,
    undone_by INTEGER,
    undone_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX stat_person_merges_person ON stat_person_merges (person_id);
CREATE INDEX stat_person_merges_merged ON stat_person_merges (merged_id);
