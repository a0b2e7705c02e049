-- Capture-history tables for multiple systems estimation (issue 7). One source for both backends (see migrate.rs).
CREATE TABLE mse_datasets (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    stratum_column TEXT,
    csv TEXT NOT NULL,
    lists TEXT NOT NULL,
    observed INTEGER NOT NULL,
    confidentiality TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
