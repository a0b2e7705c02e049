-- Protection columns encrypted at rest (issue 16): the missing persons' last-seen date,
-- region, community and status date, the defenders' region, periods, status-change dates and
-- references, report dates and sharing recipients are now `enc:v2:` values (the values older
-- versions stored in clear are encrypted at `dignity serve` start, see `store::at_rest`).
-- What SQL still groups and filters by is kept beside them:
-- - the region and community of a case as keyed tokens (HMAC under the index key; filled
--   and kept by the application, existing rows at the next start), for equality and GROUP BY;
-- - the last-seen sort key truncated to the month (`YYYY-MM`, or `YYYY` when only the year
--   is known): the day is encrypted.
ALTER TABLE pro_missing ADD COLUMN region_key TEXT NOT NULL DEFAULT '';
ALTER TABLE pro_missing ADD COLUMN community_key TEXT NOT NULL DEFAULT '';
CREATE INDEX pro_missing_region_key ON pro_missing (region_key);
UPDATE pro_missing SET last_seen_sort = substr(replace(last_seen_date, '~', ''), 1, 7)
    WHERE last_seen_date NOT LIKE 'enc:%';

-- Measures' amounts and costs are encrypted too: kept as text (cents) in new columns, the
-- integer columns dropped. The copies are encrypted at the next start.
ALTER TABLE pro_measures ADD COLUMN amount TEXT NOT NULL DEFAULT '';
ALTER TABLE pro_measures ADD COLUMN cost TEXT NOT NULL DEFAULT '';
UPDATE pro_measures SET amount = CAST(amount_cents AS TEXT) WHERE amount_cents IS NOT NULL;
UPDATE pro_measures SET cost = CAST(cost_cents AS TEXT) WHERE cost_cents IS NOT NULL;
ALTER TABLE pro_measures DROP COLUMN amount_cents;
ALTER TABLE pro_measures DROP COLUMN cost_cents;
