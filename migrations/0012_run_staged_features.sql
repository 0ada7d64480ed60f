ALTER TABLE "reclass_run" ADD COLUMN "features_table" text;--> statement-breakpoint
ALTER TABLE "reclass_run" ADD COLUMN "features_as_of" timestamp with time zone;