-- What the candidate matches of the person page depend on (issue 5): a token replaced, in
-- the same transaction, by every write that can change them (an import of a source list,
-- a link or unlink, keys back-filled). A server keeps a case's candidates in memory while
-- the token is the one they were computed under. One row (id 1), written on first change.
CREATE TABLE pro_match_state (
    id BIGINT PRIMARY KEY,
    token TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
