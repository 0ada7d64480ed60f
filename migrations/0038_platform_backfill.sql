ALTER TABLE "platform" ADD COLUMN "backfill_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "platform" ADD COLUMN "backfill_run_id" uuid;--> statement-breakpoint
ALTER TABLE "reclass_run" ADD COLUMN "relink_first" boolean DEFAULT false NOT NULL;