-- Source-list records at rest (issue 16): the external id, date of birth, sex and last-seen
-- date of `pro_source_records` are now `enc:v2:` values bound to their row (the values older
-- versions stored in clear are encrypted at `dignity serve` start, see `store::at_rest`).
-- A re-import finds a source's records by their identifier through a keyed token (HMAC under
-- the index key of the source id and the external id), filled by the application for new
-- records and, for existing ones, at the next start (`sources::ensure_external_keys`). The
-- dates keep no clear sort key: no SQL sorts, filters or groups by them.
ALTER TABLE pro_source_records ADD COLUMN external_id_key TEXT NOT NULL DEFAULT '';
DROP INDEX pro_source_records_ext;
CREATE INDEX pro_source_records_ext_key ON pro_source_records (source_id, external_id_key);
