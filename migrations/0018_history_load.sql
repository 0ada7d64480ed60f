CREATE TABLE "history_load" (
	"id" uuid PRIMARY KEY NOT NULL,
	"platform_id" uuid NOT NULL,
	"records" text NOT NULL,
	"format" text NOT NULL,
	"file_name" text NOT NULL,
	"file_size" bigint NOT NULL,
	"fingerprint" text NOT NULL,
	"status" text NOT NULL,
	"next_offset" bigint DEFAULT 0 NOT NULL,
	"next_line" bigint DEFAULT 1 NOT NULL,
	"rows_read" bigint DEFAULT 0 NOT NULL,
	"accepted" bigint DEFAULT 0 NOT NULL,
	"duplicates" bigint DEFAULT 0 NOT NULL,
	"rejected" bigint DEFAULT 0 NOT NULL,
	"batches" integer DEFAULT 0 NOT NULL,
	"run_id" uuid,
	"actor" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "batch" ALTER COLUMN "signature" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "batch" ALTER COLUMN "kid" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "batch" ADD COLUMN "source" text DEFAULT 'platform' NOT NULL;--> statement-breakpoint
ALTER TABLE "batch" ADD COLUMN "history_load_id" uuid;--> statement-breakpoint
ALTER TABLE "history_load" ADD CONSTRAINT "history_load_platform_id_platform_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platform"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "history_load_unfinished" ON "history_load" USING btree ("platform_id","records","fingerprint") WHERE status = 'loading';--> statement-breakpoint
CREATE INDEX "history_load_platform" ON "history_load" USING btree ("platform_id","started_at");--> statement-breakpoint
ALTER TABLE "batch" ADD CONSTRAINT "batch_history_load_id_history_load_id_fk" FOREIGN KEY ("history_load_id") REFERENCES "public"."history_load"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "batch" ADD CONSTRAINT "batch_evidence" CHECK ((source = 'platform' and signature is not null and kid is not null) or (source = 'operator' and history_load_id is not null));