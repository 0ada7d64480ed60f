ALTER TABLE "entity" ADD COLUMN "established_on" date;--> statement-breakpoint
ALTER TABLE "entity" ADD COLUMN "registered_capital_cents" bigint;--> statement-breakpoint
ALTER TABLE "entity" ADD COLUMN "registration_authority" text;--> statement-breakpoint
ALTER TABLE "entity" ADD COLUMN "operating_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "entity" ADD COLUMN "class_override" text;