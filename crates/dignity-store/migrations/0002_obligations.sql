-- States' obligations and the recommendations of the UN mechanisms (issue 3).
-- SQLite text. PostgreSQL runs ./postgres/0002_obligations.sql (keep in step).
CREATE TABLE ratifications (
    id INTEGER PRIMARY KEY,
    iso3 TEXT NOT NULL REFERENCES countries(iso3),
    instrument TEXT NOT NULL REFERENCES instruments(code),
    status TEXT NOT NULL,
    signature TEXT NOT NULL DEFAULT '',
    consent TEXT NOT NULL DEFAULT '',
    consent_kind TEXT NOT NULL DEFAULT '',
    reservations TEXT NOT NULL DEFAULT '',
    declarations TEXT NOT NULL DEFAULT '',
    complaints_declaration INTEGER,
    inquiry_accepted INTEGER,
    note TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (iso3, instrument)
);
CREATE INDEX ratifications_instrument ON ratifications (instrument, status);

CREATE TABLE treaty_reports (
    id INTEGER PRIMARY KEY,
    iso3 TEXT NOT NULL REFERENCES countries(iso3),
    instrument TEXT NOT NULL REFERENCES instruments(code),
    number INTEGER NOT NULL,
    due_date TEXT NOT NULL DEFAULT '',
    submitted TEXT NOT NULL DEFAULT '',
    symbol TEXT NOT NULL DEFAULT '',
    review_session TEXT NOT NULL DEFAULT '',
    co_symbol TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    UNIQUE (iso3, instrument, number)
);

CREATE TABLE sp_mandates (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    iso3 TEXT REFERENCES countries(iso3),
    established TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE sp_mandate_holders (
    id INTEGER PRIMARY KEY,
    mandate_id INTEGER NOT NULL REFERENCES sp_mandates(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    start_date TEXT NOT NULL DEFAULT '',
    end_date TEXT NOT NULL DEFAULT ''
);

CREATE TABLE sp_standing_invitations (
    iso3 TEXT PRIMARY KEY REFERENCES countries(iso3),
    since TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT ''
);

CREATE TABLE sp_visits (
    id INTEGER PRIMARY KEY,
    mandate_id INTEGER NOT NULL REFERENCES sp_mandates(id),
    iso3 TEXT NOT NULL REFERENCES countries(iso3),
    status TEXT NOT NULL,
    requested TEXT NOT NULL DEFAULT '',
    accepted TEXT NOT NULL DEFAULT '',
    visit_start TEXT NOT NULL DEFAULT '',
    visit_end TEXT NOT NULL DEFAULT '',
    report_symbol TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);
CREATE INDEX sp_visits_country ON sp_visits (iso3);

CREATE TABLE sp_communications (
    id INTEGER PRIMARY KEY,
    mandate_id INTEGER NOT NULL REFERENCES sp_mandates(id),
    iso3 TEXT NOT NULL REFERENCES countries(iso3),
    reference TEXT NOT NULL,
    sent TEXT NOT NULL DEFAULT '',
    reply TEXT NOT NULL DEFAULT '',
    link TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);
CREATE INDEX sp_communications_country ON sp_communications (iso3);

CREATE TABLE recommendations (
    id INTEGER PRIMARY KEY,
    rec_key TEXT NOT NULL UNIQUE,
    mechanism TEXT NOT NULL,
    body TEXT NOT NULL,
    upr_cycle INTEGER,
    session TEXT NOT NULL DEFAULT '',
    document_symbol TEXT NOT NULL DEFAULT '',
    paragraph TEXT NOT NULL DEFAULT '',
    rec_date TEXT NOT NULL DEFAULT '',
    iso3 TEXT NOT NULL REFERENCES countries(iso3),
    recommending_iso3 TEXT REFERENCES countries(iso3),
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    position TEXT NOT NULL DEFAULT '',
    upr_action INTEGER,
    themes TEXT NOT NULL DEFAULT '',
    affected TEXT NOT NULL DEFAULT '',
    sdgs TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    status_public TEXT NOT NULL DEFAULT '',
    status_internal TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX recommendations_country ON recommendations (iso3, body);
CREATE INDEX recommendations_body ON recommendations (body);
CREATE INDEX recommendations_from ON recommendations (recommending_iso3);
CREATE INDEX recommendations_date ON recommendations (rec_date, id);

-- Facet values of a recommendation: kind = theme, affected or sdg.
CREATE TABLE recommendation_tags (
    rec_id INTEGER NOT NULL REFERENCES recommendations(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (rec_id, kind, value)
);
CREATE INDEX recommendation_tags_value ON recommendation_tags (kind, value, rec_id);

-- Full-text search (SQLite FTS5 over the text; PostgreSQL uses a tsvector index).
CREATE VIRTUAL TABLE recommendations_fts USING fts5(text, content='recommendations', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER recommendations_fts_ai AFTER INSERT ON recommendations BEGIN INSERT INTO recommendations_fts (rowid, text) VALUES (new.id, new.text); END;
CREATE TRIGGER recommendations_fts_ad AFTER DELETE ON recommendations BEGIN INSERT INTO recommendations_fts (recommendations_fts, rowid, text) VALUES ('delete', old.id, old.text); END;
CREATE TRIGGER recommendations_fts_au AFTER UPDATE OF text ON recommendations BEGIN INSERT INTO recommendations_fts (recommendations_fts, rowid, text) VALUES ('delete', old.id, old.text); INSERT INTO recommendations_fts (rowid, text) VALUES (new.id, new.text); END;

CREATE TABLE rec_clusters (
    id INTEGER PRIMARY KEY,
    iso3 TEXT NOT NULL REFERENCES countries(iso3),
    name TEXT NOT NULL,
    basis TEXT NOT NULL,
    basis_value TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE TABLE rec_cluster_members (
    cluster_id INTEGER NOT NULL REFERENCES rec_clusters(id) ON DELETE CASCADE,
    rec_id INTEGER NOT NULL REFERENCES recommendations(id) ON DELETE CASCADE,
    PRIMARY KEY (cluster_id, rec_id)
);
CREATE INDEX rec_cluster_members_rec ON rec_cluster_members (rec_id);

CREATE TABLE institutions (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    iso3 TEXT REFERENCES countries(iso3),
    created_at TEXT NOT NULL
);

CREATE TABLE rec_assignments (
    id INTEGER PRIMARY KEY,
    rec_id INTEGER REFERENCES recommendations(id) ON DELETE CASCADE,
    cluster_id INTEGER REFERENCES rec_clusters(id) ON DELETE CASCADE,
    institution_id INTEGER NOT NULL REFERENCES institutions(id),
    focal_point TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX rec_assignments_rec ON rec_assignments (rec_id);

CREATE TABLE rec_actions (
    id INTEGER PRIMARY KEY,
    rec_id INTEGER REFERENCES recommendations(id) ON DELETE CASCADE,
    cluster_id INTEGER REFERENCES rec_clusters(id) ON DELETE CASCADE,
    institution_id INTEGER REFERENCES institutions(id),
    description TEXT NOT NULL,
    target_date TEXT NOT NULL DEFAULT '',
    indicator TEXT NOT NULL DEFAULT '',
    done INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX rec_actions_rec ON rec_actions (rec_id);

-- Implementation assessments: dated, attributed, with confidentiality (record table).
CREATE TABLE rec_assessments (
    id INTEGER PRIMARY KEY,
    rec_id INTEGER REFERENCES recommendations(id) ON DELETE CASCADE,
    cluster_id INTEGER REFERENCES rec_clusters(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    assessed_on TEXT NOT NULL,
    narrative TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '',
    confidentiality TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX rec_assessments_rec ON rec_assessments (rec_id, assessed_on);

-- Internal tracking notes (record table).
CREATE TABLE rec_notes (
    id INTEGER PRIMARY KEY,
    rec_id INTEGER REFERENCES recommendations(id) ON DELETE CASCADE,
    cluster_id INTEGER REFERENCES rec_clusters(id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    confidentiality TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX rec_notes_rec ON rec_notes (rec_id);
