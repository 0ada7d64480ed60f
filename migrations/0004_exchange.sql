CREATE TABLE "gateway_key" (
	"kid" text PRIMARY KEY NOT NULL,
	"alg" text NOT NULL,
	"public_jwk" jsonb NOT NULL,
	"private_jwk_encrypted" text NOT NULL,
	"status" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"retired_at" timestamp with time zone,
	"publish_until" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "outbound_message" (
	"id" uuid PRIMARY KEY NOT NULL,
	"seq" bigserial NOT NULL,
	"tx_id" "xid8" DEFAULT pg_current_xact_id() NOT NULL,
	"platform_id" uuid NOT NULL,
	"type" text NOT NULL,
	"entity_id" uuid,
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_delivery" (
	"id" uuid PRIMARY KEY NOT NULL,
	"message_id" uuid NOT NULL,
	"platform_id" uuid NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"last_attempt_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "regulator_user" (
	"id" uuid PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"display_name" text NOT NULL,
	"password_hash" text NOT NULL,
	"role" text NOT NULL,
	"region_prefix" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_login_at" timestamp with time zone,
	CONSTRAINT "regulator_user_username_unique" UNIQUE("username")
);
--> statement-breakpoint
CREATE TABLE "used_jti" (
	"scope" text NOT NULL,
	"jti" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "used_jti_scope_jti_pk" PRIMARY KEY("scope","jti")
);
--> statement-breakpoint
ALTER TABLE "shop" ADD COLUMN "legal_representative_hash" text;--> statement-breakpoint
ALTER TABLE "shop" ADD COLUMN "phone_hash" text;--> statement-breakpoint
CREATE INDEX "outbound_message_feed" ON "outbound_message" USING btree ("platform_id","tx_id","seq");--> statement-breakpoint
CREATE INDEX "webhook_delivery_status" ON "webhook_delivery" USING btree ("status","platform_id");--> statement-breakpoint
CREATE INDEX "webhook_delivery_message" ON "webhook_delivery" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "used_jti_expires" ON "used_jti" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "shop_legal_representative" ON "shop" USING btree ("legal_representative_hash");--> statement-breakpoint
CREATE INDEX "shop_phone" ON "shop" USING btree ("phone_hash");