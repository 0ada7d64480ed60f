CREATE TABLE "audit_log" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" text,
	"data" jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "batch" (
	"id" uuid PRIMARY KEY NOT NULL,
	"platform_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"body_sha256" text NOT NULL,
	"signature" text NOT NULL,
	"kid" text NOT NULL,
	"idempotency_key" text,
	"record_count" integer NOT NULL,
	"accepted" integer NOT NULL,
	"duplicates" integer NOT NULL,
	"rejected" integer NOT NULL,
	"receipt" text,
	"received_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "entity" (
	"id" uuid PRIMARY KEY NOT NULL,
	"uscc" text,
	"id_number_hash" text,
	"name" text NOT NULL,
	"entity_type" text NOT NULL,
	"region_code" text NOT NULL,
	"address" text NOT NULL,
	"category" text NOT NULL,
	"risk_class" text,
	"probability" double precision,
	"loss" double precision,
	"model_version" text,
	"classified_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "shop" (
	"id" uuid PRIMARY KEY NOT NULL,
	"platform_id" uuid NOT NULL,
	"platform_shop_id" text NOT NULL,
	"entity_id" uuid NOT NULL,
	"name" text NOT NULL,
	"category" text NOT NULL,
	"region_code" text NOT NULL,
	"address" text NOT NULL,
	"url" text,
	"opened_at" timestamp with time zone,
	"licences" jsonb,
	"record" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "event_key" (
	"platform_id" uuid NOT NULL,
	"platform_event_id" text NOT NULL,
	"event_id" uuid NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "event_key_platform_id_platform_event_id_pk" PRIMARY KEY("platform_id","platform_event_id")
);
--> statement-breakpoint
CREATE TABLE "idempotency_record" (
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"state" text NOT NULL,
	"response_status" integer,
	"response_headers" jsonb,
	"response_body" text,
	"created_at" timestamp with time zone NOT NULL,
	"locked_until" timestamp with time zone,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotency_record_scope_key_pk" PRIMARY KEY("scope","key")
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"job" text NOT NULL,
	"payload" jsonb NOT NULL,
	"dedup_key" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"run_at" timestamp with time zone NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer NOT NULL,
	"locked_until" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "platform" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"client_id" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"scopes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"webhook_url" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "platform_name_unique" UNIQUE("name"),
	CONSTRAINT "platform_client_id_unique" UNIQUE("client_id")
);
--> statement-breakpoint
CREATE TABLE "platform_key" (
	"id" uuid PRIMARY KEY NOT NULL,
	"platform_id" uuid NOT NULL,
	"kid" text NOT NULL,
	"alg" text NOT NULL,
	"public_jwk" jsonb NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"not_after" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retired_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "batch" ADD CONSTRAINT "batch_platform_id_platform_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platform"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shop" ADD CONSTRAINT "shop_platform_id_platform_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platform"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shop" ADD CONSTRAINT "shop_entity_id_entity_id_fk" FOREIGN KEY ("entity_id") REFERENCES "public"."entity"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "platform_key" ADD CONSTRAINT "platform_key_platform_id_platform_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platform"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "batch_platform_time" ON "batch" USING btree ("platform_id","received_at");--> statement-breakpoint
CREATE UNIQUE INDEX "entity_uscc" ON "entity" USING btree ("uscc");--> statement-breakpoint
CREATE UNIQUE INDEX "entity_id_number_hash" ON "entity" USING btree ("id_number_hash");--> statement-breakpoint
CREATE INDEX "entity_region" ON "entity" USING btree ("region_code" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "entity_class_region" ON "entity" USING btree ("risk_class","region_code");--> statement-breakpoint
CREATE UNIQUE INDEX "shop_platform_shop" ON "shop" USING btree ("platform_id","platform_shop_id");--> statement-breakpoint
CREATE INDEX "shop_entity" ON "shop" USING btree ("entity_id");--> statement-breakpoint
CREATE INDEX "idempotency_expires" ON "idempotency_record" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "outbox_due" ON "outbox" USING btree ("status","run_at");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_pending_dedup" ON "outbox" USING btree ("dedup_key") WHERE status = 'pending' and dedup_key is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "platform_key_platform_kid" ON "platform_key" USING btree ("platform_id","kid");--> statement-breakpoint
CREATE INDEX "platform_key_kid" ON "platform_key" USING btree ("kid");