-- Custom migration: classification history, range-partitioned by month of computed_at (a daily
-- full run writes ~1.57M rows for Chengdu; months are pruned on read and dropped for retention).
-- drizzle-kit cannot express partitioning; src/db/partitioned/classification.ts types the columns.
CREATE TABLE "classification" (
	"id" uuid NOT NULL,
	"entity_id" uuid NOT NULL,
	"model_version" text NOT NULL,
	"p" double precision NOT NULL,
	"loss" double precision NOT NULL,
	"expected_loss" double precision NOT NULL,
	"risk_class" text NOT NULL,
	"override" text,
	"logit_prior" double precision NOT NULL,
	"contributions" jsonb NOT NULL,
	"computed_at" timestamp with time zone NOT NULL,
	"trigger" text NOT NULL,
	"run_id" uuid,
	CONSTRAINT "classification_pkey" PRIMARY KEY ("id", "computed_at")
) PARTITION BY RANGE ("computed_at");
--> statement-breakpoint
CREATE INDEX "classification_entity_time" ON "classification" ("entity_id", "computed_at" DESC);
--> statement-breakpoint
CREATE INDEX "classification_run" ON "classification" ("run_id") WHERE "run_id" IS NOT NULL;
--> statement-breakpoint
-- Creates the month's partition if missing; safe under concurrency (as ensure_event_partition).
CREATE OR REPLACE FUNCTION ensure_classification_partition(month_start date) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	lo date := date_trunc('month', month_start)::date;
	hi date := (date_trunc('month', month_start) + interval '1 month')::date;
	part text := format('classification_y%sm%s', to_char(lo, 'YYYY'), to_char(lo, 'MM'));
BEGIN
	IF to_regclass(part) IS NOT NULL THEN
		RETURN;
	END IF;
	BEGIN
		EXECUTE format(
			'CREATE TABLE IF NOT EXISTS %I PARTITION OF classification FOR VALUES FROM (%L) TO (%L)',
			part, lo::timestamptz, hi::timestamptz);
	EXCEPTION WHEN duplicate_table OR unique_violation THEN
		NULL;
	END;
END;
$$;
