ALTER TABLE "gateway_key" ADD COLUMN "revoked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "platform" ADD COLUMN "token_version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "regulator_user" ADD COLUMN "session_version" integer DEFAULT 0 NOT NULL;