CREATE TABLE "shop_record_change" (
	"shop_id" uuid NOT NULL,
	"batch_id" uuid NOT NULL,
	"entity_id" uuid NOT NULL,
	"platform_id" uuid NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"changed_fields" text[] NOT NULL,
	"before" jsonb NOT NULL,
	"after" jsonb NOT NULL,
	CONSTRAINT "shop_record_change_shop_id_batch_id_pk" PRIMARY KEY("shop_id","batch_id")
);
--> statement-breakpoint
ALTER TABLE "shop_record_change" ADD CONSTRAINT "shop_record_change_shop_id_shop_id_fk" FOREIGN KEY ("shop_id") REFERENCES "public"."shop"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shop_record_change" ADD CONSTRAINT "shop_record_change_entity_id_entity_id_fk" FOREIGN KEY ("entity_id") REFERENCES "public"."entity"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shop_record_change" ADD CONSTRAINT "shop_record_change_platform_id_platform_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platform"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "shop_record_change_entity_time" ON "shop_record_change" USING btree ("entity_id","received_at");