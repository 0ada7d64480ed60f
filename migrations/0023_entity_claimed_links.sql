CREATE TABLE "entity_master_conflict" (
	"id" uuid PRIMARY KEY NOT NULL,
	"entity_id" uuid NOT NULL,
	"region_code" text NOT NULL,
	"platform_id" uuid NOT NULL,
	"shop_id" uuid NOT NULL,
	"batch_id" uuid NOT NULL,
	"field" text NOT NULL,
	"entity_value" text,
	"reported_value" text,
	"link" text NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "shop" ADD COLUMN "link" text DEFAULT 'corroborated' NOT NULL;--> statement-breakpoint
ALTER TABLE "shop" ADD COLUMN "corroborated_by" text;--> statement-breakpoint
ALTER TABLE "shop" ADD COLUMN "corroborated_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "entity_master_conflict_region" ON "entity_master_conflict" USING btree ("region_code" text_pattern_ops,"recorded_at");--> statement-breakpoint
CREATE INDEX "entity_master_conflict_shop" ON "entity_master_conflict" USING btree ("shop_id","field");--> statement-breakpoint
CREATE INDEX "shop_claimed" ON "shop" USING btree ("id") WHERE "shop"."link" = 'claimed';