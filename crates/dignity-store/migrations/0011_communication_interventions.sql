-- A special procedures' communication linked to the interventions whose 60-day reply
-- clock it follows (e.g. the urgent appeal that prompted it). Listed after the
-- violations migrations: it references their interventions table.
CREATE TABLE sp_communication_interventions (
    communication_id INTEGER NOT NULL REFERENCES sp_communications(id) ON DELETE CASCADE,
    intervention_id INTEGER NOT NULL REFERENCES vio_interventions(id) ON DELETE CASCADE,
    linked_at TEXT NOT NULL,
    PRIMARY KEY (communication_id, intervention_id)
);
CREATE INDEX sp_communication_interventions_int ON sp_communication_interventions (intervention_id);
