CREATE TABLE "entity_address" (
	"entity_id" uuid PRIMARY KEY NOT NULL,
	"region_code" text NOT NULL,
	"address_key" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "entity_link" (
	"entity_a" uuid NOT NULL,
	"entity_b" uuid NOT NULL,
	"kind" text NOT NULL,
	"source" text NOT NULL,
	"evidence" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "entity_link_entity_a_entity_b_kind_pk" PRIMARY KEY("entity_a","entity_b","kind"),
	CONSTRAINT "entity_link_ordered" CHECK ("entity_link"."entity_a" < "entity_link"."entity_b")
);
--> statement-breakpoint
CREATE TABLE "party_relation" (
	"entity_id" uuid NOT NULL,
	"role" text NOT NULL,
	"party_kind" text NOT NULL,
	"party_key" text NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "party_relation_entity_id_source_role_party_kind_party_key_pk" PRIMARY KEY("entity_id","source","role","party_kind","party_key")
);
--> statement-breakpoint
ALTER TABLE "entity_address" ADD CONSTRAINT "entity_address_entity_id_entity_id_fk" FOREIGN KEY ("entity_id") REFERENCES "public"."entity"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "entity_link" ADD CONSTRAINT "entity_link_entity_a_entity_id_fk" FOREIGN KEY ("entity_a") REFERENCES "public"."entity"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "entity_link" ADD CONSTRAINT "entity_link_entity_b_entity_id_fk" FOREIGN KEY ("entity_b") REFERENCES "public"."entity"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "party_relation" ADD CONSTRAINT "party_relation_entity_id_entity_id_fk" FOREIGN KEY ("entity_id") REFERENCES "public"."entity"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "entity_address_key" ON "entity_address" USING btree ("region_code","address_key");--> statement-breakpoint
CREATE INDEX "entity_link_b" ON "entity_link" USING btree ("entity_b");--> statement-breakpoint
CREATE INDEX "party_relation_party" ON "party_relation" USING btree ("party_kind","party_key");