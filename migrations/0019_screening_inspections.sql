CREATE TABLE "inspection_draw" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"region_prefix" text NOT NULL,
	"seed" text NOT NULL,
	"inputs" jsonb NOT NULL,
	"population_count" integer NOT NULL,
	"population_digest" text NOT NULL,
	"result" jsonb NOT NULL,
	"result_digest" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "inspection_draw_member" (
	"draw_id" uuid NOT NULL,
	"risk_class" text NOT NULL,
	"entity_id" uuid NOT NULL,
	"region_code" text NOT NULL,
	CONSTRAINT "inspection_draw_member_draw_id_risk_class_entity_id_pk" PRIMARY KEY("draw_id","risk_class","entity_id")
);
--> statement-breakpoint
CREATE TABLE "inspection_result" (
	"id" uuid PRIMARY KEY NOT NULL,
	"draw_id" uuid NOT NULL,
	"entity_id" uuid NOT NULL,
	"finding" text NOT NULL,
	"note" text,
	"inspected_at" timestamp with time zone NOT NULL,
	"recorded_by" text NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "entity_tag" (
	"entity_id" uuid PRIMARY KEY NOT NULL,
	"as_of" timestamp with time zone NOT NULL,
	"entity_age_days" double precision,
	"disclosure_completeness" double precision,
	"record_changes_365d" double precision,
	"licence_status" text,
	"licence_revoked" boolean,
	"licence_inconsistencies_365d" double precision,
	"gmv_365d_cents" double precision,
	"orders_365d" double precision,
	"refund_rate_180d" double precision,
	"dispute_rate_180d" double precision,
	"platform_count" double precision,
	"region_count" double precision,
	"violations_365d" double precision,
	"violations_3y" double precision,
	"serious_violations_365d" double precision,
	"penalties_3y" double precision,
	"takedowns_365d" double precision,
	"rectifications_overdue_365d" double precision,
	"complaints_90d" double precision,
	"complaint_rate_365d" double precision,
	"reports_365d" double precision,
	"rating_avg_180d" double precision,
	"litigation_365d" double precision,
	"litigation_defendant_3y" double precision,
	"related_entities" double precision,
	"related_worst_class" text,
	"related_violators_365d" double precision,
	"same_address_entities" double precision
);
--> statement-breakpoint
CREATE TABLE "saved_screening" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"conditions" jsonb NOT NULL,
	"owner" text NOT NULL,
	"region_prefix" text NOT NULL,
	"last_run_at" timestamp with time zone,
	"last_count" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "inspection_result" ADD CONSTRAINT "inspection_result_draw_id_inspection_draw_id_fk" FOREIGN KEY ("draw_id") REFERENCES "public"."inspection_draw"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspection_result" ADD CONSTRAINT "inspection_result_entity_id_entity_id_fk" FOREIGN KEY ("entity_id") REFERENCES "public"."entity"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "entity_tag" ADD CONSTRAINT "entity_tag_entity_id_entity_id_fk" FOREIGN KEY ("entity_id") REFERENCES "public"."entity"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "inspection_draw_region_time" ON "inspection_draw" USING btree ("region_prefix","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "inspection_result_draw_entity" ON "inspection_result" USING btree ("draw_id","entity_id");--> statement-breakpoint
CREATE INDEX "inspection_result_entity_time" ON "inspection_result" USING btree ("entity_id","inspected_at");--> statement-breakpoint
CREATE INDEX "inspection_result_finding_time" ON "inspection_result" USING btree ("finding","inspected_at");--> statement-breakpoint
CREATE INDEX "entity_tag_complaints_90d" ON "entity_tag" USING btree ("complaints_90d");--> statement-breakpoint
CREATE INDEX "entity_tag_violations_365d" ON "entity_tag" USING btree ("violations_365d");--> statement-breakpoint
CREATE INDEX "entity_tag_penalties_3y" ON "entity_tag" USING btree ("penalties_3y");--> statement-breakpoint
CREATE INDEX "entity_tag_licence_status" ON "entity_tag" USING btree ("licence_status");--> statement-breakpoint
CREATE INDEX "saved_screening_owner" ON "saved_screening" USING btree ("owner","created_at");