CREATE TABLE "rescore_pending" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"entity_id" uuid NOT NULL,
	"requested_at" timestamp with time zone NOT NULL
);
