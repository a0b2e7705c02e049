-- Documenting violations (issue 4). One source for both backends (see migrate.rs).
-- Modelled on the HURIDOCS Events Standard Formats: one event has many acts; each act has
-- one victim and any number of perpetrators (involvements). Codes are vocab_terms.vocab_number.
-- Columns marked (enc) hold ciphertexts from the key file's data key, never plaintext.

CREATE TABLE vio_persons (
    id INTEGER PRIMARY KEY,
    person_type TEXT NOT NULL,
    name TEXT NOT NULL, -- (enc)
    name_bidx TEXT NOT NULL,
    other_names TEXT, -- (enc) JSON array
    sex TEXT,
    gender TEXT NOT NULL DEFAULT '',
    birth_date TEXT NOT NULL DEFAULT '',
    age_group TEXT NOT NULL DEFAULT '',
    nationality TEXT,
    ethnicity TEXT,
    religion TEXT,
    occupation TEXT,
    counting_unit TEXT,
    group_size INTEGER,
    deceased INTEGER NOT NULL DEFAULT 0,
    death_date TEXT NOT NULL DEFAULT '',
    contact TEXT, -- (enc)
    address TEXT, -- (enc)
    notes TEXT, -- (enc)
    confidentiality TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX vio_persons_bidx ON vio_persons (name_bidx);

-- Blind indexes of every name and other name of a person (exact and word-order-free),
-- for duplicate warnings and exact-name look-up.
CREATE TABLE vio_person_names (
    person_id INTEGER NOT NULL REFERENCES vio_persons(id) ON DELETE CASCADE,
    bidx TEXT NOT NULL,
    PRIMARY KEY (person_id, bidx)
);
CREATE INDEX vio_person_names_bidx ON vio_person_names (bidx);

CREATE TABLE vio_events (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT, -- (enc)
    start_date TEXT NOT NULL DEFAULT '',
    start_sort TEXT NOT NULL DEFAULT '',
    end_date TEXT NOT NULL DEFAULT '',
    end_sort TEXT NOT NULL DEFAULT '',
    country TEXT,
    admin_area TEXT NOT NULL DEFAULT '',
    place TEXT, -- (enc)
    coordinates TEXT, -- (enc)
    violation_status TEXT,
    monitoring_status TEXT,
    confidentiality TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX vio_events_country ON vio_events (country);
CREATE INDEX vio_events_start ON vio_events (start_sort);

CREATE TABLE vio_acts (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES vio_events(id) ON DELETE CASCADE,
    victim_id INTEGER NOT NULL REFERENCES vio_persons(id),
    act_type TEXT NOT NULL,
    start_date TEXT NOT NULL DEFAULT '',
    start_sort TEXT NOT NULL DEFAULT '',
    end_date TEXT NOT NULL DEFAULT '',
    end_sort TEXT NOT NULL DEFAULT '',
    country TEXT,
    admin_area TEXT NOT NULL DEFAULT '',
    place TEXT, -- (enc)
    coordinates TEXT, -- (enc)
    attribution TEXT,
    consequences TEXT, -- (enc)
    victim_status TEXT,
    detention_type TEXT,
    whereabouts TEXT,
    legal_counsel TEXT,
    court_type TEXT,
    case_description TEXT, -- (enc)
    autopsy TEXT,
    death_certificate TEXT,
    statements_signed TEXT,
    medical_attention TEXT,
    intent TEXT,
    property_destroyed TEXT NOT NULL DEFAULT '',
    property_value TEXT NOT NULL DEFAULT '',
    compensation TEXT,
    confidentiality TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX vio_acts_event ON vio_acts (event_id);
CREATE INDEX vio_acts_victim ON vio_acts (victim_id);
CREATE INDEX vio_acts_type ON vio_acts (act_type);

CREATE TABLE vio_involvements (
    id INTEGER PRIMARY KEY,
    act_id INTEGER NOT NULL REFERENCES vio_acts(id) ON DELETE CASCADE,
    perpetrator_id INTEGER NOT NULL REFERENCES vio_persons(id),
    degree TEXT,
    perpetrator_type TEXT,
    latest_status TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX vio_involvements_act ON vio_involvements (act_id);
CREATE INDEX vio_involvements_perp ON vio_involvements (perpetrator_id);

CREATE TABLE vio_information (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES vio_persons(id),
    event_id INTEGER REFERENCES vio_events(id) ON DELETE CASCADE,
    act_id INTEGER REFERENCES vio_acts(id) ON DELETE CASCADE,
    person_id INTEGER REFERENCES vio_persons(id),
    connection TEXT,
    source_type TEXT,
    reliability TEXT,
    info_date TEXT NOT NULL DEFAULT '',
    language TEXT,
    remarks TEXT, -- (enc)
    created_by INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX vio_information_event ON vio_information (event_id);
CREATE INDEX vio_information_act ON vio_information (act_id);
CREATE INDEX vio_information_source ON vio_information (source_id);

CREATE TABLE vio_event_links (
    id INTEGER PRIMARY KEY,
    from_event INTEGER NOT NULL REFERENCES vio_events(id) ON DELETE CASCADE,
    to_event INTEGER NOT NULL REFERENCES vio_events(id) ON DELETE CASCADE,
    link_type TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE vio_person_links (
    id INTEGER PRIMARY KEY,
    person_a INTEGER NOT NULL REFERENCES vio_persons(id) ON DELETE CASCADE,
    person_b INTEGER NOT NULL REFERENCES vio_persons(id) ON DELETE CASCADE,
    link_type TEXT NOT NULL,
    start_date TEXT NOT NULL DEFAULT '',
    end_date TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

-- Repeatable vocabulary fields (rights affected, index terms, methods, languages).
CREATE TABLE vio_terms (
    record_type TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    field TEXT NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (record_type, record_id, field, code)
);
CREATE INDEX vio_terms_code ON vio_terms (field, code);

-- Thematic lenses of an event: death_penalty, torture, hrd, disappearance.
CREATE TABLE vio_event_lenses (
    event_id INTEGER NOT NULL REFERENCES vio_events(id) ON DELETE CASCADE,
    lens TEXT NOT NULL,
    PRIMARY KEY (event_id, lens)
);
CREATE INDEX vio_event_lenses_lens ON vio_event_lenses (lens);

-- Death penalty cases: one row per sentenced person in an event.
CREATE TABLE vio_death_penalty (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES vio_events(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES vio_persons(id),
    status TEXT NOT NULL,
    charge TEXT NOT NULL DEFAULT '',
    sentence_date TEXT NOT NULL DEFAULT '',
    execution_date TEXT NOT NULL DEFAULT '',
    commutation_date TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);

CREATE TABLE vio_interventions (
    id INTEGER PRIMARY KEY,
    int_type TEXT NOT NULL,
    intervening_party_id INTEGER REFERENCES vio_persons(id),
    addressees TEXT NOT NULL DEFAULT '',
    int_date TEXT NOT NULL,
    description TEXT, -- (enc)
    response_type TEXT,
    response_date TEXT NOT NULL DEFAULT '',
    response_text TEXT, -- (enc)
    status TEXT,
    priority TEXT,
    impact TEXT,
    reply_due TEXT NOT NULL DEFAULT '',
    follow_up_date TEXT NOT NULL DEFAULT '',
    assigned_user INTEGER,
    assigned_team INTEGER,
    confidentiality TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX vio_interventions_due ON vio_interventions (reply_due);

CREATE TABLE vio_intervention_links (
    intervention_id INTEGER NOT NULL REFERENCES vio_interventions(id) ON DELETE CASCADE,
    record_type TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    PRIMARY KEY (intervention_id, record_type, record_id)
);
CREATE INDEX vio_intervention_links_rec ON vio_intervention_links (record_type, record_id);

-- Evidence items. The content lives once under DATA_DIR/files/sha256/ab/cdef…; records
-- point at it by hash. Derivatives (working copy, redacted, transcript, translation,
-- public copy) name their original.
CREATE TABLE vio_evidence (
    id INTEGER PRIMARY KEY,
    original_id INTEGER REFERENCES vio_evidence(id),
    derivation TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT, -- (enc)
    filename TEXT, -- (enc)
    media_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    sha512 TEXT NOT NULL,
    metadata TEXT, -- (enc) JSON: EXIF, GPS, document properties
    event_id INTEGER REFERENCES vio_events(id),
    act_id INTEGER REFERENCES vio_acts(id),
    person_id INTEGER REFERENCES vio_persons(id),
    acquired_from TEXT, -- (enc)
    acquired_at TEXT NOT NULL DEFAULT '',
    acquired_how TEXT NOT NULL DEFAULT '',
    confidentiality TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX vio_evidence_sha256 ON vio_evidence (sha256);
CREATE INDEX vio_evidence_event ON vio_evidence (event_id);

-- Chain of custody: who did what with an item, each entry chained to the previous one of
-- the same item by SHA-256 (verifiable without any key).
CREATE TABLE vio_custody (
    id INTEGER PRIMARY KEY,
    evidence_id INTEGER NOT NULL REFERENCES vio_evidence(id),
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    actor_id INTEGER,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    counterpart TEXT, -- (enc)
    method TEXT NOT NULL DEFAULT '',
    details TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (evidence_id, seq)
);

-- Drafts of the entry flow: a user's unfinished form, kept apart from the records.
CREATE TABLE vio_drafts (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL, -- (enc) JSON of the form
    updated_at TEXT NOT NULL
);
