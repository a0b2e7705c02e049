-- Ratification facts to the day (issue 17, items 1 and 4). Each shipped or updated fact
-- says where it comes from and as of when:
--   fact_source  `untc2015`, `wpd2022` (years only), `update2026` or `untc` (a later UN
--                Treaty Collection snapshot loaded with `dignity refdata update`); empty
--                for a row the office recorded or imported (`source` says which);
--   as_of        the day the fact is known as of (for an office's row: the day it was
--                recorded);
--   reservations_listed  `yes` / `no` when the UN Treaty Collection lists / does not list
--                reservations or declarations of the State; empty: unknown.
-- ratification_history keeps every previous value of a ratification fact: which field,
-- old and new value, when, by whom (account id and name, as in the audit log) and through
-- what (the audit log keeps only hashes).
ALTER TABLE ratifications ADD COLUMN fact_source TEXT NOT NULL DEFAULT '';
ALTER TABLE ratifications ADD COLUMN as_of TEXT NOT NULL DEFAULT '';
ALTER TABLE ratifications ADD COLUMN reservations_listed TEXT NOT NULL DEFAULT '';
-- The office's rows written before: known as of the day they were last written.
UPDATE ratifications SET as_of = substr(updated_at, 1, 10) WHERE source <> 'shipped';
CREATE TABLE ratification_history (
    id INTEGER PRIMARY KEY,
    iso3 TEXT NOT NULL,
    instrument TEXT NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT NOT NULL,
    new_value TEXT NOT NULL,
    origin TEXT NOT NULL,
    changed_by INTEGER,
    actor_name TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
CREATE INDEX ratification_history_state ON ratification_history (iso3, instrument, id);
