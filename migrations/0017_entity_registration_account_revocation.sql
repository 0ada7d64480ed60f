ALTER TABLE "entity" ADD COLUMN "established_on" date;--> statement-breakpoint
ALTER TABLE "entity" ADD COLUMN "registered_capital_cents" bigint;--> statement-breakpoint
ALTER TABLE "entity" ADD COLUMN "registration_authority" text;--> statement-breakpoint
ALTER TABLE "entity" ADD COLUMN "operating_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "entity" ADD COLUMN "class_override" text;--> statement-breakpoint
ALTER TABLE "gateway_key" ADD COLUMN "revoked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "platform" ADD COLUMN "token_version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "regulator_user" ADD COLUMN "session_version" integer DEFAULT 0 NOT NULL;