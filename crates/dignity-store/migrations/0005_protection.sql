-- Protection of human rights defenders and tracing of missing persons (issue 5).
-- One source for both backends (see migrate.rs). Persons, events, acts, evidence and
-- interventions are the violations area's tables (vio_*); this area adds what is specific
-- to defenders and missing persons. Columns marked (enc) hold ciphertexts, never plaintext.

-- Local vocabularies of this area, editable in the app: areas of work of defenders
-- (kind 'area') and types of attack (kind 'attack', mapped to a HURIDOCS act type and
-- flagged when the attack is a reprisal for cooperation with the UN).
CREATE TABLE pro_terms (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    label_en TEXT NOT NULL,
    label_fr TEXT NOT NULL DEFAULT '',
    label_es TEXT NOT NULL DEFAULT '',
    label_ar TEXT NOT NULL DEFAULT '',
    label_ru TEXT NOT NULL DEFAULT '',
    act_type TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT '',
    un_reprisal INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    sort_order INTEGER NOT NULL DEFAULT 0,
    UNIQUE (kind, code)
);

INSERT INTO pro_terms (kind, code, label_en, label_fr, label_es, label_ar, label_ru, sort_order) VALUES
('area', 'women_rights', 'Women''s rights', 'Droits des femmes', 'Derechos de las mujeres', 'حقوق المرأة', 'Права женщин', 1),
('area', 'land_environment', 'Land, environment and natural resources', 'Terre, environnement et ressources naturelles', 'Tierra, medio ambiente y recursos naturales', 'الأرض والبيئة والموارد الطبيعية', 'Земля, окружающая среда и природные ресурсы', 2),
('area', 'indigenous', 'Indigenous peoples', 'Peuples autochtones', 'Pueblos indígenas', 'الشعوب الأصلية', 'Коренные народы', 3),
('area', 'lgbti', 'LGBTI rights', 'Droits des personnes LGBTI', 'Derechos LGBTI', 'حقوق مجتمع الميم', 'Права ЛГБТИ', 4),
('area', 'journalism', 'Journalism and media', 'Journalisme et médias', 'Periodismo y medios', 'الصحافة والإعلام', 'Журналистика и СМИ', 5),
('area', 'legal', 'Legal profession', 'Profession juridique', 'Profesión jurídica', 'المهن القانونية', 'Юридическая профессия', 6),
('area', 'trade_union', 'Trade unions and labour rights', 'Syndicats et droits du travail', 'Sindicatos y derechos laborales', 'النقابات وحقوق العمال', 'Профсоюзы и трудовые права', 7),
('area', 'anti_corruption', 'Anti-corruption', 'Lutte contre la corruption', 'Lucha contra la corrupción', 'مكافحة الفساد', 'Борьба с коррупцией', 8),
('area', 'missing_persons', 'Missing persons and families', 'Personnes disparues et familles', 'Personas desaparecidas y familias', 'المفقودون وأسرهم', 'Пропавшие без вести и их семьи', 9),
('area', 'other', 'Other', 'Autre', 'Otro', 'أخرى', 'Другое', 99);

INSERT INTO pro_terms (kind, code, label_en, label_fr, label_es, label_ar, label_ru, act_type, category, un_reprisal, sort_order) VALUES
('attack', 'killing', 'Killing', 'Meurtre', 'Asesinato', 'القتل', 'Убийство', '01010100000004', 'killing', 0, 1),
('attack', 'enforced_disappearance', 'Enforced disappearance', 'Disparition forcée', 'Desaparición forzada', 'الاختفاء القسري', 'Насильственное исчезновение', '03010300000004', 'enforced_disappearance', 0, 2),
('attack', 'physical_attack', 'Physical attack', 'Agression physique', 'Agresión física', 'اعتداء جسدي', 'Физическое нападение', '02010100000004', 'physical_attack', 0, 3),
('attack', 'threats', 'Threats and intimidation', 'Menaces et intimidation', 'Amenazas e intimidación', 'التهديد والترهيب', 'Угрозы и запугивание', '02010301000004', 'threats', 0, 4),
('attack', 'judicial_harassment', 'Judicial harassment', 'Harcèlement judiciaire', 'Hostigamiento judicial', 'المضايقة القضائية', 'Судебное преследование', '10010000000004', 'judicial_harassment', 0, 5),
('attack', 'arbitrary_detention', 'Arbitrary detention', 'Détention arbitraire', 'Detención arbitraria', 'الاحتجاز التعسفي', 'Произвольное задержание', '03010100000004', 'arbitrary_detention', 0, 6),
('attack', 'surveillance', 'Surveillance', 'Surveillance', 'Vigilancia', 'المراقبة', 'Слежка', '02010303000004', 'surveillance', 0, 7),
('attack', 'smear_campaign', 'Smear campaign and stigmatisation', 'Campagne de dénigrement et stigmatisation', 'Campaña de desprestigio y estigmatización', 'حملة تشهير ووصم', 'Клеветническая кампания и стигматизация', '02010300000004', 'smear_campaign', 0, 8),
('attack', 'travel_ban', 'Travel ban', 'Interdiction de voyager', 'Prohibición de viajar', 'حظر السفر', 'Запрет на выезд', '05010600000004', 'travel_ban', 0, 9),
('attack', 'un_reprisal', 'Reprisal for cooperation with the UN', 'Représailles pour coopération avec l''ONU', 'Represalia por cooperar con la ONU', 'انتقام بسبب التعاون مع الأمم المتحدة', 'Репрессии за сотрудничество с ООН', '02010300000004', 'reprisal', 1, 10);

CREATE TABLE pro_defenders (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL UNIQUE REFERENCES vio_persons(id),
    organisation TEXT, -- (enc)
    country TEXT,
    region TEXT NOT NULL DEFAULT '',
    contact TEXT, -- (enc) phone, e-mail, secure messenger
    whereabouts TEXT, -- (enc)
    contact_user INTEGER REFERENCES users(id),
    sdg_status TEXT NOT NULL DEFAULT 'hrd',
    memorial_consent INTEGER NOT NULL DEFAULT 0,
    confidentiality TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE pro_defender_areas (
    defender_id INTEGER NOT NULL REFERENCES pro_defenders(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    PRIMARY KEY (defender_id, code)
);

-- An attack or threat: an act (vio_acts) whose victim is the defender, with the SDG 16.10.1
-- minimum fields that the act does not hold.
CREATE TABLE pro_attacks (
    id INTEGER PRIMARY KEY,
    defender_id INTEGER NOT NULL REFERENCES pro_defenders(id),
    act_id INTEGER NOT NULL UNIQUE REFERENCES vio_acts(id),
    attack_type TEXT NOT NULL,
    un_reprisal INTEGER NOT NULL DEFAULT 0,
    victim_status TEXT NOT NULL,
    perpetrator_category TEXT NOT NULL,
    motive TEXT NOT NULL,
    created_by INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX pro_attacks_defender ON pro_attacks (defender_id);

-- Risk assessments: never updated, a new one is added (the history is the list).
CREATE TABLE pro_risk (
    id INTEGER PRIMARY KEY,
    defender_id INTEGER NOT NULL REFERENCES pro_defenders(id),
    level TEXT NOT NULL,
    factors TEXT NOT NULL DEFAULT '',
    notes TEXT, -- (enc)
    assessed_on TEXT NOT NULL,
    next_review TEXT NOT NULL,
    assessor_id INTEGER REFERENCES users(id),
    assessor_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX pro_risk_defender ON pro_risk (defender_id);

CREATE TABLE pro_measures (
    id INTEGER PRIMARY KEY,
    defender_id INTEGER NOT NULL REFERENCES pro_defenders(id),
    measure_type TEXT NOT NULL,
    status TEXT NOT NULL,
    requested_on TEXT NOT NULL,
    approved_on TEXT NOT NULL DEFAULT '',
    delivered_on TEXT NOT NULL DEFAULT '',
    closed_on TEXT NOT NULL DEFAULT '',
    amount_cents INTEGER,
    currency TEXT NOT NULL DEFAULT '',
    cost_cents INTEGER,
    cost_currency TEXT NOT NULL DEFAULT '',
    period_start TEXT NOT NULL DEFAULT '',
    period_end TEXT NOT NULL DEFAULT '',
    details TEXT, -- (enc) JSON: host, visa, security plan, description
    outcome TEXT, -- (enc)
    intervention_id INTEGER REFERENCES vio_interventions(id),
    created_by INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX pro_measures_defender ON pro_measures (defender_id);

CREATE TABLE pro_measure_history (
    id INTEGER PRIMARY KEY,
    measure_id INTEGER NOT NULL REFERENCES pro_measures(id),
    from_status TEXT NOT NULL DEFAULT '',
    to_status TEXT NOT NULL,
    on_date TEXT NOT NULL,
    by_user INTEGER,
    by_name TEXT NOT NULL,
    at TEXT NOT NULL
);

CREATE TABLE pro_checkins (
    id INTEGER PRIMARY KEY,
    defender_id INTEGER NOT NULL REFERENCES pro_defenders(id),
    measure_id INTEGER REFERENCES pro_measures(id),
    due_on TEXT NOT NULL,
    done_on TEXT NOT NULL DEFAULT '',
    notes TEXT, -- (enc)
    created_by INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX pro_checkins_due ON pro_checkins (due_on);

-- Conflicts or periods a disappearance belongs to (e.g. January 1998 - December 2000).
CREATE TABLE pro_periods (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE pro_missing (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL UNIQUE REFERENCES vio_persons(id),
    last_seen_date TEXT NOT NULL DEFAULT '',
    last_seen_sort TEXT NOT NULL DEFAULT '',
    last_seen_place TEXT, -- (enc)
    region TEXT NOT NULL DEFAULT '',
    community TEXT NOT NULL DEFAULT '',
    circumstances TEXT, -- (enc)
    description TEXT, -- (enc) physical description and clothing
    period_id INTEGER REFERENCES pro_periods(id),
    status TEXT NOT NULL,
    status_on TEXT NOT NULL,
    confidentiality TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX pro_missing_status ON pro_missing (status);

-- Every status of a case, in order; the first row is the opening of the case.
CREATE TABLE pro_status_history (
    id INTEGER PRIMARY KEY,
    missing_id INTEGER NOT NULL REFERENCES pro_missing(id),
    seq INTEGER NOT NULL,
    from_status TEXT NOT NULL DEFAULT '',
    to_status TEXT NOT NULL,
    changed_on TEXT NOT NULL,
    evidence_id INTEGER REFERENCES vio_evidence(id),
    reference TEXT NOT NULL DEFAULT '',
    note TEXT, -- (enc)
    by_user INTEGER,
    by_name TEXT NOT NULL,
    at TEXT NOT NULL,
    UNIQUE (missing_id, seq)
);

-- Reporting persons and relatives.
CREATE TABLE pro_relatives (
    id INTEGER PRIMARY KEY,
    missing_id INTEGER NOT NULL REFERENCES pro_missing(id),
    name TEXT NOT NULL, -- (enc)
    relationship TEXT NOT NULL,
    contact TEXT, -- (enc)
    created_by INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX pro_relatives_missing ON pro_relatives (missing_id);

-- A report of a disappearance by a relative, with the relative's sharing consent.
CREATE TABLE pro_reports (
    id INTEGER PRIMARY KEY,
    missing_id INTEGER NOT NULL REFERENCES pro_missing(id),
    relative_id INTEGER NOT NULL REFERENCES pro_relatives(id),
    reported_on TEXT NOT NULL,
    consent_commission INTEGER NOT NULL DEFAULT 0,
    consent_organisations INTEGER NOT NULL DEFAULT 0,
    consent_updated_at TEXT NOT NULL,
    created_by INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX pro_reports_missing ON pro_reports (missing_id);

CREATE TABLE pro_consent_log (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES pro_reports(id),
    consent_commission INTEGER NOT NULL,
    consent_organisations INTEGER NOT NULL,
    withdrawn_after_sharing INTEGER NOT NULL DEFAULT 0,
    by_user INTEGER,
    by_name TEXT NOT NULL,
    at TEXT NOT NULL
);

-- What left the organisation about a case: to whom, through which channel, what.
CREATE TABLE pro_shares (
    id INTEGER PRIMARY KEY,
    missing_id INTEGER NOT NULL REFERENCES pro_missing(id),
    recipient_kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    channel TEXT NOT NULL,
    fields TEXT NOT NULL,
    by_user INTEGER,
    by_name TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX pro_shares_missing ON pro_shares (missing_id);

-- Lists of missing persons from other sources (a commission, the Red Cross, NGOs, family
-- associations) and their records as received.
CREATE TABLE pro_sources (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    created_by INTEGER,
    created_at TEXT NOT NULL
);

CREATE TABLE pro_source_imports (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES pro_sources(id),
    filename TEXT NOT NULL DEFAULT '',
    mapping TEXT NOT NULL,
    rows_new INTEGER NOT NULL,
    rows_changed INTEGER NOT NULL,
    rows_unchanged INTEGER NOT NULL,
    by_user INTEGER,
    at TEXT NOT NULL
);

CREATE TABLE pro_source_records (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES pro_sources(id),
    import_id INTEGER NOT NULL REFERENCES pro_source_imports(id),
    line INTEGER NOT NULL,
    external_id TEXT NOT NULL,
    raw TEXT NOT NULL, -- (enc) JSON of the row as received
    content_hash TEXT NOT NULL,
    name TEXT NOT NULL, -- (enc)
    birth_date TEXT NOT NULL DEFAULT '',
    place TEXT, -- (enc)
    sex TEXT NOT NULL DEFAULT '',
    last_seen_date TEXT NOT NULL DEFAULT '',
    current INTEGER NOT NULL DEFAULT 1,
    superseded_by INTEGER REFERENCES pro_source_records(id),
    missing_id INTEGER REFERENCES pro_missing(id),
    linked_by INTEGER,
    linked_at TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX pro_source_records_ext ON pro_source_records (source_id, external_id);
CREATE INDEX pro_source_records_missing ON pro_source_records (missing_id);

-- Per-case access links for families: the token is shown once and stored as SHA-256.
CREATE TABLE pro_family_links (
    id INTEGER PRIMARY KEY,
    missing_id INTEGER NOT NULL REFERENCES pro_missing(id),
    relative_id INTEGER REFERENCES pro_relatives(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_by INTEGER,
    created_at TEXT NOT NULL,
    expires_on TEXT NOT NULL,
    revoked_at TEXT NOT NULL DEFAULT '',
    last_used_at TEXT NOT NULL DEFAULT ''
);
