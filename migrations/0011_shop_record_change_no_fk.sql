ALTER TABLE "shop_record_change" DROP CONSTRAINT "shop_record_change_shop_id_shop_id_fk";
--> statement-breakpoint
ALTER TABLE "shop_record_change" DROP CONSTRAINT "shop_record_change_entity_id_entity_id_fk";
--> statement-breakpoint
ALTER TABLE "shop_record_change" DROP CONSTRAINT "shop_record_change_platform_id_platform_id_fk";
