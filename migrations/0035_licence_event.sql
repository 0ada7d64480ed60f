CREATE TABLE "licence_event" (
	"event_id" uuid PRIMARY KEY NOT NULL,
	"entity_id" uuid NOT NULL,
	"shop_id" uuid NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"data" jsonb NOT NULL
);
--> statement-breakpoint
CREATE INDEX "licence_event_entity_time" ON "licence_event" USING btree ("entity_id","occurred_at");