-- UPR recommendations (issue 17 item 8): the State's response is a typed value, stored as
-- `supported`, `noted`, `partially_supported` or `pending` (no response yet). A UPR
-- recommendation imported with a blank response was stored with an empty position: it is
-- pending. Other mechanisms keep the empty value (no response applies to them).
UPDATE recommendations SET position = 'pending' WHERE mechanism = 'upr' AND position = '';
-- The action category filter and facet (UPR Info's scale 1-5).
CREATE INDEX recommendations_action ON recommendations (upr_action);
