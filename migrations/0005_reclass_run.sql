CREATE TABLE "model" (
	"version" text PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"status" text NOT NULL,
	"artifact" jsonb NOT NULL,
	"metrics" jsonb,
	"trained_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"activated_at" timestamp with time zone,
	"activated_by" text
);
--> statement-breakpoint
CREATE TABLE "reclass_run" (
	"id" uuid PRIMARY KEY NOT NULL,
	"scope" jsonb NOT NULL,
	"model_version" text NOT NULL,
	"status" text NOT NULL,
	"reason" text,
	"actor" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"processed" integer DEFAULT 0 NOT NULL,
	"total" integer,
	"counts" jsonb NOT NULL,
	"transitions" jsonb NOT NULL,
	"last_entity_id" uuid,
	"chunk_size" integer NOT NULL,
	"duration_ms" bigint,
	"error" text,
	"lease_owner" text,
	"lease_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "model_one_active" ON "model" USING btree ("status") WHERE "model"."status" = 'active';--> statement-breakpoint
CREATE INDEX "model_created" ON "model" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "reclass_run_started" ON "reclass_run" USING btree ("started_at");--> statement-breakpoint
CREATE INDEX "reclass_run_status" ON "reclass_run" USING btree ("status");