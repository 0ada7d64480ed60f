-- licence_event follows every insert into event, whatever the path (the batch endpoint's COPY
-- or INSERT, history loads, fixtures): one statement-level trigger copies the statement's
-- licence events. Event ids are unique, so a row is never copied twice; ON CONFLICT only keeps
-- a replayed copy harmless.
CREATE FUNCTION "licence_event_follow"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO licence_event (event_id, entity_id, shop_id, occurred_at, data)
  SELECT id, entity_id, shop_id, occurred_at, data FROM inserted_licence_events WHERE kind = 'licence'
  ON CONFLICT (event_id) DO NOTHING;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "event_licence_event" AFTER INSERT ON "event"
  REFERENCING NEW TABLE AS inserted_licence_events
  FOR EACH STATEMENT EXECUTE FUNCTION "licence_event_follow"();
--> statement-breakpoint
-- The licence events already held: one pass.
INSERT INTO licence_event (event_id, entity_id, shop_id, occurred_at, data)
SELECT id, entity_id, shop_id, occurred_at, data FROM event WHERE kind = 'licence'
ON CONFLICT (event_id) DO NOTHING;
--> statement-breakpoint
-- Nothing reads licence events from event any more: its partial index only cost every insert.
DROP INDEX IF EXISTS "event_licence";
