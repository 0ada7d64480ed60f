CREATE TABLE "merchant_link" (
	"id" uuid PRIMARY KEY NOT NULL,
	"notice_id" uuid NOT NULL,
	"platform_id" uuid NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_by" text,
	"revoke_reason" text
);
--> statement-breakpoint
ALTER TABLE "merchant_link" ADD CONSTRAINT "merchant_link_notice_id_notice_id_fk" FOREIGN KEY ("notice_id") REFERENCES "public"."notice"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merchant_link" ADD CONSTRAINT "merchant_link_platform_id_platform_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platform"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "merchant_link_live" ON "merchant_link" USING btree ("notice_id","platform_id") WHERE revoked_at is null;--> statement-breakpoint
CREATE INDEX "merchant_link_notice" ON "merchant_link" USING btree ("notice_id");