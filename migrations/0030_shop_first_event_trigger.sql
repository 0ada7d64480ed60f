-- shop.first_event_at follows every insert into event, whatever the path (the batch endpoint's
-- COPY or INSERT, history loads, fixtures): one statement-level trigger over the inserted rows.
-- Only shops whose first event moves earlier are written, locked in id order so concurrent
-- batches for the same shops queue instead of deadlocking.
CREATE FUNCTION "shop_first_event_follow"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH firsts AS (
    SELECT shop_id, min(occurred_at) AS t FROM inserted_events GROUP BY shop_id
  ), earlier AS (
    SELECT s.id, f.t FROM shop s JOIN firsts f ON f.shop_id = s.id
    WHERE s.first_event_at IS NULL OR s.first_event_at > f.t
    ORDER BY s.id
    FOR NO KEY UPDATE OF s
  )
  UPDATE shop s SET first_event_at = least(coalesce(s.first_event_at, e.t), e.t)
  FROM earlier e WHERE s.id = e.id;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "event_shop_first_event" AFTER INSERT ON "event"
  REFERENCING NEW TABLE AS inserted_events
  FOR EACH STATEMENT EXECUTE FUNCTION "shop_first_event_follow"();
--> statement-breakpoint
-- The events already held: one pass.
UPDATE shop s SET first_event_at = f.t
FROM (SELECT shop_id, min(occurred_at) AS t FROM event GROUP BY shop_id) f
WHERE s.id = f.shop_id;
