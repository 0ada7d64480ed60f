import { index, jsonb, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { ts } from "../columns.js";

/** The registered fields of a merchant record (DESIGN §5 names) whose changes are kept. */
export const REGISTERED_SHOP_FIELDS = ["name", "address", "regionCode", "category", "uscc", "idNumberHash", "entityType", "licences"] as const;
export type RegisteredShopField = (typeof REGISTERED_SHOP_FIELDS)[number];

/**
 * A change to an EXISTING shop's registered fields, one row per shop per merchant batch that
 * changed them (the shop table keeps only the latest record). Written by the merchant ingestion
 * in the batch's transaction; a new shop or an identical resend writes nothing. `before` and
 * `after` hold only the changed fields (a field absent from a record is JSON null). `entityId`
 * is the entity the shop belongs to after the change. Read by record_changes_365d
 * (src/classification/record-changes.ts) and the "abnormal registration changes" rule.
 * No foreign keys (as on event): every row is copied from a shop row locked by the same
 * statement, shops and entities are never deleted, and the three FK checks were a third of the
 * statement's time (10k changed shops: ~120 ms of ~370 ms on PostgreSQL). The batch row is
 * written last in the same transaction.
 */
export const shopRecordChange = pgTable(
  "shop_record_change",
  {
    shopId: uuid("shop_id").notNull(),
    batchId: uuid("batch_id").notNull(),
    entityId: uuid("entity_id").notNull(),
    platformId: uuid("platform_id").notNull(),
    receivedAt: ts("received_at").notNull(),
    changedFields: text("changed_fields").array().$type<RegisteredShopField[]>().notNull(),
    before: jsonb("before").$type<Partial<Record<RegisteredShopField, unknown>>>().notNull(),
    after: jsonb("after").$type<Partial<Record<RegisteredShopField, unknown>>>().notNull(),
  },
  (t) => [
    // batch ids are UUIDv7: the key also lists one shop's changes in time order.
    primaryKey({ columns: [t.shopId, t.batchId] }),
    // "changes of these entities in [from, to)"
    index("shop_record_change_entity_time").on(t.entityId, t.receivedAt),
  ],
);
