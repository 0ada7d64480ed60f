import { index, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { id, ts } from "../columns.js";

/**
 * A platform's merchant record that disagreed with an entity's master data and was not applied:
 * the entity keeps the value of its first corroborated source (registration facts) and platforms
 * never move its region or category, so the disagreement is kept here for regulators to resolve
 * (listed region-scoped by GET /v1/regulator/master-data-conflicts). One row per field per
 * record; a resend of the same disagreement by the same shop is not recorded twice.
 */
export const entityMasterConflict = pgTable(
  "entity_master_conflict",
  {
    id: id(),
    entityId: uuid("entity_id").notNull(),
    /** The entity's region when recorded: the list is region-scoped without a join. */
    regionCode: text("region_code").notNull(),
    platformId: uuid("platform_id").notNull(),
    shopId: uuid("shop_id").notNull(),
    batchId: uuid("batch_id").notNull(),
    field: text("field", { enum: ["name", "regionCode", "category", "establishedOn", "registeredCapitalCents", "registrationAuthority"] }).notNull(),
    entityValue: text("entity_value"),
    reportedValue: text("reported_value"),
    /** Whether the shop's link to the entity was corroborated or only claimed when it reported this. */
    link: text("link", { enum: ["corroborated", "claimed"] }).notNull(),
    recordedAt: ts("recorded_at").notNull(),
  },
  (t) => [
    index("entity_master_conflict_region").using("btree", t.regionCode.op("text_pattern_ops"), t.recordedAt),
    index("entity_master_conflict_shop").on(t.shopId, t.field),
  ],
);
