CREATE TABLE "audit_head" (
	"id" uuid PRIMARY KEY NOT NULL,
	"audit_seq" bigint NOT NULL,
	"audit_hash" text NOT NULL,
	"signed_at" timestamp with time zone NOT NULL,
	"kid" text NOT NULL,
	"jws" text NOT NULL,
	"signed_by" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "audit_head_signed_at_idx" ON "audit_head" USING btree ("signed_at","id");