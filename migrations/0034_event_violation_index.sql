-- Confirmed violations are few (about 1 % of event rows in the city simulation) but are looked
-- up per entity by every relationship indicator (did a linked entity violate in the last 365
-- days?), by the sandbox fence and by training. Through (entity_id, kind, occurred_at) each
-- lookup descends the whole event index of every partition in the window: at city scale that
-- index is far larger than memory and a full run's relationship step waited on disk. This index
-- holds only the violations, so it stays small and cached. On the partitioned parent: every
-- partition gets it.
CREATE INDEX IF NOT EXISTS "event_violation" ON "event" ("entity_id", "occurred_at") WHERE "kind" = 'violation_confirmed';
