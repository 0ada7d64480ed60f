CREATE TABLE "rescore_pending" (
	"entity_id" uuid PRIMARY KEY NOT NULL,
	"requested_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "rescore_pending_requested" ON "rescore_pending" USING btree ("requested_at");