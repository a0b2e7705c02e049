-- Public portal (search, issue 6): dashboards published to the public pages. Only the
-- definition (title and filter) is stored; the public page counts live, as the anonymous
-- visitor, so a record unpublished or made confidential leaves its counts at once.
CREATE TABLE portal_dashboards (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    filter TEXT NOT NULL,
    published_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    published_at TEXT NOT NULL
);
