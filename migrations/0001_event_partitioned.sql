-- Custom migration: the append-only event table, range-partitioned by month of occurred_at.
-- drizzle-kit cannot express partitioning; src/db/partitioned/event.ts types the same columns.
CREATE TABLE "event" (
	"id" uuid NOT NULL,
	"platform_id" uuid NOT NULL,
	"shop_id" uuid NOT NULL,
	"entity_id" uuid NOT NULL,
	"platform_event_id" text NOT NULL,
	"kind" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"batch_id" uuid NOT NULL,
	"data" jsonb NOT NULL,
	CONSTRAINT "event_pkey" PRIMARY KEY ("id", "occurred_at")
) PARTITION BY RANGE ("occurred_at");
--> statement-breakpoint
CREATE INDEX "event_entity_kind_time" ON "event" ("entity_id", "kind", "occurred_at");
--> statement-breakpoint
-- Creates the month's partition if it is missing. Safe to call concurrently from several
-- gateway processes: losing the race to create the same partition is not an error.
CREATE OR REPLACE FUNCTION ensure_event_partition(month_start date) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	lo date := date_trunc('month', month_start)::date;
	hi date := (date_trunc('month', month_start) + interval '1 month')::date;
	part text := format('event_y%sm%s', to_char(lo, 'YYYY'), to_char(lo, 'MM'));
BEGIN
	IF to_regclass(part) IS NOT NULL THEN
		RETURN;
	END IF;
	BEGIN
		EXECUTE format(
			'CREATE TABLE IF NOT EXISTS %I PARTITION OF event FOR VALUES FROM (%L) TO (%L)',
			part, lo::timestamptz, hi::timestamptz);
	EXCEPTION WHEN duplicate_table OR unique_violation THEN
		NULL;
	END;
END;
$$;
