CREATE TABLE "restoration_application" (
	"id" uuid PRIMARY KEY NOT NULL,
	"entity_id" uuid NOT NULL,
	"region_code" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"applied_by" text NOT NULL,
	"applied_at" timestamp with time zone NOT NULL,
	"text" text,
	"links" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"class_at_application" text,
	"reviewed_by" text,
	"reviewed_at" timestamp with time zone,
	"review_comment" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "restoration_file" (
	"id" uuid PRIMARY KEY NOT NULL,
	"application_id" uuid NOT NULL,
	"file_name" text NOT NULL,
	"content_type" text NOT NULL,
	"size_bytes" integer NOT NULL,
	"sha256" text NOT NULL,
	"content" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "restoration_application" ADD CONSTRAINT "restoration_application_entity_id_entity_id_fk" FOREIGN KEY ("entity_id") REFERENCES "public"."entity"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "restoration_file" ADD CONSTRAINT "restoration_file_application_id_restoration_application_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."restoration_application"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "restoration_one_open_per_entity" ON "restoration_application" USING btree ("entity_id") WHERE status = 'open';--> statement-breakpoint
CREATE INDEX "restoration_status_applied" ON "restoration_application" USING btree ("status","applied_at","id");--> statement-breakpoint
CREATE INDEX "restoration_region" ON "restoration_application" USING btree ("region_code" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "restoration_entity" ON "restoration_application" USING btree ("entity_id","applied_at");--> statement-breakpoint
CREATE INDEX "restoration_file_application" ON "restoration_file" USING btree ("application_id");