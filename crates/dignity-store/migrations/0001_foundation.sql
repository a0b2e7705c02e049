-- Foundation schema, SQLite text. PostgreSQL runs ./postgres/0001_foundation.sql (keep in step).
-- a test compares the two schemas column by column.
CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    totp_secret TEXT,
    totp_enabled INTEGER NOT NULL DEFAULT 0,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE team_members (
    team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at TEXT
);

CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE record_acl (
    record_type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    principal_type TEXT NOT NULL,
    principal_id INTEGER NOT NULL,
    PRIMARY KEY (record_type, record_id, principal_type, principal_id)
);

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id INTEGER,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    before_hash TEXT,
    after_hash TEXT,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor_name);
CREATE INDEX audit_log_record ON audit_log (record_type, record_id);

-- One row. Every write transaction updates it first: that serialises writers on both
-- backends (SQLite's write lock, PostgreSQL's row lock) and holds the chain's head.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    touched_at TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash, touched_at)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', '');

CREATE TABLE refdata_versions (
    name TEXT PRIMARY KEY,
    version TEXT NOT NULL,
    loaded_at TEXT NOT NULL
);

CREATE TABLE countries (
    iso3 TEXT PRIMARY KEY,
    iso2 TEXT NOT NULL UNIQUE,
    numeric_code TEXT NOT NULL,
    name_en TEXT NOT NULL,
    name_fr TEXT NOT NULL,
    name_es TEXT NOT NULL,
    name_ar TEXT NOT NULL,
    name_ru TEXT NOT NULL,
    region_code TEXT NOT NULL,
    region_name TEXT NOT NULL,
    subregion_code TEXT NOT NULL,
    subregion_name TEXT NOT NULL,
    intermediate_region_code TEXT NOT NULL,
    intermediate_region_name TEXT NOT NULL,
    un_member INTEGER NOT NULL,
    regional_group TEXT NOT NULL
);

CREATE TABLE instruments (
    code TEXT PRIMARY KEY,
    system TEXT NOT NULL,
    parent_code TEXT,
    short_name TEXT NOT NULL,
    full_name_en TEXT NOT NULL,
    full_name_fr TEXT NOT NULL,
    adopted TEXT NOT NULL,
    entry_into_force TEXT NOT NULL,
    body_code TEXT NOT NULL,
    body_name TEXT NOT NULL,
    details TEXT NOT NULL
);

CREATE TABLE vocabularies (
    list_number INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    source TEXT NOT NULL
);

CREATE TABLE vocab_terms (
    id INTEGER PRIMARY KEY,
    list_number INTEGER NOT NULL REFERENCES vocabularies(list_number),
    vocab_number TEXT NOT NULL UNIQUE,
    huri_code TEXT NOT NULL,
    parent_vocab_number TEXT,
    level INTEGER NOT NULL,
    sort_order INTEGER NOT NULL,
    label_en TEXT NOT NULL,
    label_fr TEXT NOT NULL,
    label_es TEXT NOT NULL,
    label_ar TEXT NOT NULL,
    label_ru TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX vocab_terms_list ON vocab_terms (list_number, sort_order);

CREATE TABLE sdg_goals (
    number INTEGER PRIMARY KEY,
    title_en TEXT NOT NULL,
    title_fr TEXT NOT NULL,
    title_es TEXT NOT NULL,
    title_ar TEXT NOT NULL,
    title_ru TEXT NOT NULL
);

CREATE TABLE sdg_targets (
    code TEXT PRIMARY KEY,
    goal INTEGER NOT NULL REFERENCES sdg_goals(number),
    title_en TEXT NOT NULL,
    title_fr TEXT NOT NULL,
    title_es TEXT NOT NULL,
    title_ar TEXT NOT NULL,
    title_ru TEXT NOT NULL
);
