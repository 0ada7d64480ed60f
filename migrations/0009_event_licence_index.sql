-- Licence events are few but are read for ALL time (licence status is the latest licence event
-- of each type, whenever it was). A full reclassification reads them for every entity at once:
-- without this partial index that would be a second sequential pass over every event partition.
-- Created on the partitioned parent, so every partition (existing and future) gets it.
CREATE INDEX IF NOT EXISTS "event_licence" ON "event" ("entity_id", "occurred_at") WHERE "kind" = 'licence';
