CREATE SEQUENCE "public"."notice_number" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "notice" (
	"id" uuid PRIMARY KEY NOT NULL,
	"notice_no" text NOT NULL,
	"entity_id" uuid NOT NULL,
	"warning_id" uuid,
	"rule_key" text,
	"source" text NOT NULL,
	"region_code" text NOT NULL,
	"template_key" text NOT NULL,
	"template_version" integer NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"legal_basis" text NOT NULL,
	"facts" text NOT NULL,
	"rectify" text NOT NULL,
	"issued_by" text NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"link_expires_at" timestamp with time zone NOT NULL,
	"delivery_status" text NOT NULL,
	"first_delivered_at" timestamp with time zone,
	"first_read_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "notice_delivery" (
	"notice_id" uuid NOT NULL,
	"platform_id" uuid NOT NULL,
	"status" text NOT NULL,
	"attempts" integer NOT NULL,
	"last_sent_at" timestamp with time zone NOT NULL,
	"delivered_at" timestamp with time zone,
	"read_at" timestamp with time zone,
	"undeliverable_at" timestamp with time zone,
	"shop_id" text,
	CONSTRAINT "notice_delivery_notice_id_platform_id_pk" PRIMARY KEY("notice_id","platform_id")
);
--> statement-breakpoint
CREATE TABLE "notice_template" (
	"key" text NOT NULL,
	"version" integer NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"legal_basis" text NOT NULL,
	"rectify" text NOT NULL,
	"saved_by" text NOT NULL,
	"saved_at" timestamp with time zone NOT NULL,
	CONSTRAINT "notice_template_key_version_pk" PRIMARY KEY("key","version")
);
--> statement-breakpoint
CREATE TABLE "rectification_case" (
	"id" uuid PRIMARY KEY NOT NULL,
	"notice_id" uuid NOT NULL,
	"entity_id" uuid NOT NULL,
	"region_code" text NOT NULL,
	"rule_key" text,
	"status" text NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"acknowledged_at" timestamp with time zone,
	"submitted_at" timestamp with time zone,
	"accepted_at" timestamp with time zone,
	"decided_at" timestamp with time zone,
	"reminded_at" timestamp with time zone,
	"escalated_at" timestamp with time zone,
	"submissions" integer DEFAULT 0 NOT NULL,
	"last_comment" text,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rectification_evidence" (
	"id" uuid PRIMARY KEY NOT NULL,
	"case_id" uuid NOT NULL,
	"submission" integer NOT NULL,
	"kind" text NOT NULL,
	"text" text,
	"url" text,
	"file_name" text,
	"content_type" text,
	"size_bytes" integer,
	"sha256" text,
	"submitted_by" text NOT NULL,
	"submitted_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rectification_file" (
	"evidence_id" uuid PRIMARY KEY NOT NULL,
	"content" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rectification_step" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"case_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"comment" text,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notice" ADD CONSTRAINT "notice_entity_id_entity_id_fk" FOREIGN KEY ("entity_id") REFERENCES "public"."entity"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notice" ADD CONSTRAINT "notice_warning_id_warning_id_fk" FOREIGN KEY ("warning_id") REFERENCES "public"."warning"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notice_delivery" ADD CONSTRAINT "notice_delivery_notice_id_notice_id_fk" FOREIGN KEY ("notice_id") REFERENCES "public"."notice"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notice_delivery" ADD CONSTRAINT "notice_delivery_platform_id_platform_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platform"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectification_case" ADD CONSTRAINT "rectification_case_notice_id_notice_id_fk" FOREIGN KEY ("notice_id") REFERENCES "public"."notice"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectification_case" ADD CONSTRAINT "rectification_case_entity_id_entity_id_fk" FOREIGN KEY ("entity_id") REFERENCES "public"."entity"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectification_evidence" ADD CONSTRAINT "rectification_evidence_case_id_rectification_case_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."rectification_case"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectification_file" ADD CONSTRAINT "rectification_file_evidence_id_rectification_evidence_id_fk" FOREIGN KEY ("evidence_id") REFERENCES "public"."rectification_evidence"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectification_step" ADD CONSTRAINT "rectification_step_case_id_rectification_case_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."rectification_case"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "notice_warning" ON "notice" USING btree ("warning_id") WHERE warning_id is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "notice_no" ON "notice" USING btree ("notice_no");--> statement-breakpoint
CREATE INDEX "notice_region_issued" ON "notice" USING btree ("region_code","issued_at");--> statement-breakpoint
CREATE INDEX "notice_entity" ON "notice" USING btree ("entity_id");--> statement-breakpoint
CREATE INDEX "notice_delivery_platform" ON "notice_delivery" USING btree ("platform_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "rectification_case_notice" ON "rectification_case" USING btree ("notice_id");--> statement-breakpoint
CREATE INDEX "rectification_case_status_region" ON "rectification_case" USING btree ("status","region_code");--> statement-breakpoint
CREATE INDEX "rectification_case_entity" ON "rectification_case" USING btree ("entity_id");--> statement-breakpoint
CREATE INDEX "rectification_case_open_due" ON "rectification_case" USING btree ("due_at") WHERE status <> 'accepted';--> statement-breakpoint
CREATE INDEX "rectification_evidence_case" ON "rectification_evidence" USING btree ("case_id","submission");--> statement-breakpoint
CREATE INDEX "rectification_step_case" ON "rectification_step" USING btree ("case_id","seq");