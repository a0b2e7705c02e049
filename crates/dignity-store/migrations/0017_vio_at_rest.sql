-- Issue 16: the violations columns typed by users are encrypted (see docs/security.md,
-- "Fields at rest"). Existing clear values are encrypted at serve start by
-- `at_rest::encrypt_clear_fields`; this migration handles the derived columns.

-- Event titles are encrypted: the text filter of the event list matches whole words
-- through keyed word tokens (`violations::title_words`), filled at serve start for
-- existing events (`violations::fill_title_words`).
ALTER TABLE vio_events ADD COLUMN title_words TEXT NOT NULL DEFAULT '';

-- The clear sort keys of user-typed dates keep the month only (`YYYY-MM`); the exact
-- date is encrypted.
UPDATE vio_events SET start_sort = SUBSTR(start_sort, 1, 7) WHERE LENGTH(start_sort) > 7;
UPDATE vio_events SET end_sort = SUBSTR(end_sort, 1, 7) WHERE LENGTH(end_sort) > 7;
UPDATE vio_acts SET start_sort = SUBSTR(start_sort, 1, 7) WHERE LENGTH(start_sort) > 7;
UPDATE vio_acts SET end_sort = SUBSTR(end_sort, 1, 7) WHERE LENGTH(end_sort) > 7;
