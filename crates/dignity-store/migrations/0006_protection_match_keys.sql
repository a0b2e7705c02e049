-- Blocking keys for candidate matches of source records (issue 5): each key is a keyed
-- hash (blind index) of a pair of Soundex codes of the record's normalised, transliterated
-- name tokens, so the person page finds its candidates through an index and no name is
-- stored in clear. Records imported before this migration are keyed on first use
-- (`keyed` = 0 until then).
ALTER TABLE pro_source_records ADD COLUMN keyed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX pro_source_records_keyed ON pro_source_records (keyed);

CREATE TABLE pro_match_keys (
    id INTEGER PRIMARY KEY,
    record_id INTEGER NOT NULL REFERENCES pro_source_records(id),
    key TEXT NOT NULL
);
CREATE INDEX pro_match_keys_key ON pro_match_keys (key);
CREATE INDEX pro_match_keys_record ON pro_match_keys (record_id);
