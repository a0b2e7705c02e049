-- Lists of events filtered by country come out in date order straight from an index
-- (no sort of every event of the country on each request).
CREATE INDEX vio_events_country_start ON vio_events (country, start_sort);
-- It replaces the index on country alone (its prefix).
DROP INDEX vio_events_country;
