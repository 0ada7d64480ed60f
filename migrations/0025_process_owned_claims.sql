ALTER TABLE "idempotency_record" ADD COLUMN "owner" text;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "locked_by" text;