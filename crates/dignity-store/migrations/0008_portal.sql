-- Public portal (search, issue 6): snapshots of reports and dashboards published to the
-- public pages. The html is what was shown at publish time (pseudonymised, public data).
CREATE TABLE publications (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    lang TEXT NOT NULL,
    html TEXT NOT NULL,
    published_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    published_at TEXT NOT NULL,
    UNIQUE (slug, lang)
);
