-- Saved searches (search, issue 6). Name and query are encrypted fields: a query can
-- hold the name of a person.
CREATE TABLE saved_searches (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at TEXT NOT NULL,
    seen_seq INTEGER NOT NULL DEFAULT 0,
    seen_at TEXT
);
CREATE INDEX saved_searches_user ON saved_searches (user_id);
