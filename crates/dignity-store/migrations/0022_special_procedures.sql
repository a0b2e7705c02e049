-- Special procedures (issue 17 item 7).
-- Mandates: the resolution that established them, and where a shipped row was read
-- (`source` = 'shipped' for rows of data/special-procedures/mandates.csv, '' for the
-- office's own; the shipped load never overwrites the office's rows).
ALTER TABLE sp_mandates ADD COLUMN resolution TEXT NOT NULL DEFAULT '';
ALTER TABLE sp_mandates ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE sp_mandates ADD COLUMN source_url TEXT NOT NULL DEFAULT '';
ALTER TABLE sp_mandates ADD COLUMN as_of TEXT NOT NULL DEFAULT '';
-- A standing invitation as the office recorded it: its date and the source it was read in.
ALTER TABLE sp_standing_invitations ADD COLUMN source TEXT NOT NULL DEFAULT '';
-- Communications typed as the Special Procedures type them (UA, AL, OL; '' = not
-- recorded) with the reply status (none, received, partial).
ALTER TABLE sp_communications ADD COLUMN comm_type TEXT NOT NULL DEFAULT '';
ALTER TABLE sp_communications ADD COLUMN reply_status TEXT NOT NULL DEFAULT 'none';
UPDATE sp_communications SET reply_status = 'received' WHERE reply <> '';
-- The other mandates of a joint communication (the first is sp_communications.mandate_id).
CREATE TABLE sp_communication_mandates (
    communication_id INTEGER NOT NULL REFERENCES sp_communications(id) ON DELETE CASCADE,
    mandate_id INTEGER NOT NULL REFERENCES sp_mandates(id),
    PRIMARY KEY (communication_id, mandate_id)
);
