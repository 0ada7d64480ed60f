CREATE TABLE "monitoring_rule" (
	"id" uuid PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"version" integer NOT NULL,
	"enabled" boolean NOT NULL,
	"definition" jsonb NOT NULL,
	"built_in" boolean DEFAULT false NOT NULL,
	"updated_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "monitoring_rule_version" (
	"rule_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"enabled" boolean NOT NULL,
	"definition" jsonb NOT NULL,
	"saved_by" text NOT NULL,
	"saved_at" timestamp with time zone NOT NULL,
	CONSTRAINT "monitoring_rule_version_rule_id_version_pk" PRIMARY KEY("rule_id","version")
);
--> statement-breakpoint
CREATE TABLE "prohibited_business_type" (
	"id" uuid PRIMARY KEY NOT NULL,
	"category" text NOT NULL,
	"region_prefix" text NOT NULL,
	"note" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "warning" (
	"id" uuid PRIMARY KEY NOT NULL,
	"rule_id" uuid NOT NULL,
	"rule_key" text NOT NULL,
	"rule_version" integer NOT NULL,
	"entity_id" uuid NOT NULL,
	"region_code" text NOT NULL,
	"severity" text NOT NULL,
	"status" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"window_end" timestamp with time zone NOT NULL,
	"first_hit_at" timestamp with time zone NOT NULL,
	"last_hit_at" timestamp with time zone NOT NULL,
	"hit_count" integer DEFAULT 1 NOT NULL,
	"evidence" jsonb NOT NULL,
	"action" text NOT NULL,
	"sandbox_status" text NOT NULL,
	"closed_at" timestamp with time zone,
	"closed_by" text,
	"close_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fence_audit" (
	"id" uuid PRIMARY KEY NOT NULL,
	"entity_id" uuid NOT NULL,
	"action" text NOT NULL,
	"rule" text NOT NULL,
	"reason" text NOT NULL,
	"evidence" jsonb NOT NULL,
	"actor" text NOT NULL,
	"policy_version" integer NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "fence_policy" (
	"version" integer PRIMARY KEY NOT NULL,
	"policy" jsonb NOT NULL,
	"saved_by" text NOT NULL,
	"saved_at" timestamp with time zone NOT NULL,
	"reason" text
);
--> statement-breakpoint
CREATE TABLE "sandbox_membership" (
	"entity_id" uuid PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"since" timestamp with time zone NOT NULL,
	"last_admitted_at" timestamp with time zone,
	"last_removed_at" timestamp with time zone,
	"last_actor" text NOT NULL,
	"policy_version" integer NOT NULL,
	"region_code" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "entity" ADD COLUMN "class_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "monitoring_rule_version" ADD CONSTRAINT "monitoring_rule_version_rule_id_monitoring_rule_id_fk" FOREIGN KEY ("rule_id") REFERENCES "public"."monitoring_rule"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "warning" ADD CONSTRAINT "warning_rule_id_monitoring_rule_id_fk" FOREIGN KEY ("rule_id") REFERENCES "public"."monitoring_rule"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "warning" ADD CONSTRAINT "warning_entity_id_entity_id_fk" FOREIGN KEY ("entity_id") REFERENCES "public"."entity"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fence_audit" ADD CONSTRAINT "fence_audit_entity_id_entity_id_fk" FOREIGN KEY ("entity_id") REFERENCES "public"."entity"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sandbox_membership" ADD CONSTRAINT "sandbox_membership_entity_id_entity_id_fk" FOREIGN KEY ("entity_id") REFERENCES "public"."entity"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "monitoring_rule_key" ON "monitoring_rule" USING btree ("key");--> statement-breakpoint
CREATE UNIQUE INDEX "prohibited_business_type_key" ON "prohibited_business_type" USING btree ("category","region_prefix");--> statement-breakpoint
CREATE UNIQUE INDEX "warning_rule_entity_window" ON "warning" USING btree ("rule_id","entity_id","window_start");--> statement-breakpoint
CREATE INDEX "warning_entity" ON "warning" USING btree ("entity_id","status");--> statement-breakpoint
CREATE INDEX "warning_status_region" ON "warning" USING btree ("status","region_code");--> statement-breakpoint
CREATE INDEX "warning_open_window_end" ON "warning" USING btree ("window_end") WHERE status = 'open';--> statement-breakpoint
CREATE INDEX "fence_audit_entity" ON "fence_audit" USING btree ("entity_id","at");--> statement-breakpoint
CREATE INDEX "sandbox_membership_status_region" ON "sandbox_membership" USING btree ("status","region_code");--> statement-breakpoint
-- Backfill: before this column the current class is known to hold at least since its classification.
UPDATE "entity" SET "class_since" = "classified_at" WHERE "risk_class" IS NOT NULL;
