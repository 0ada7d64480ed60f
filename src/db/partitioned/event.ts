import { index, jsonb, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { ts } from "../columns.js";

/**
 * Behaviour events: append-only, hundreds of millions of rows. In the database this table is
 * range-partitioned by month of occurred_at (see migrations/*_event_partitioned.sql), which
 * drizzle-kit cannot express, so this definition is kept out of drizzle.config.ts and is
 * only used to type queries. Why partitions: per-entity window queries prune to the months
 * they need, retention drops whole months instead of deleting rows, and vacuum/index work
 * stays per month. The unique (platform, eventId) rule lives in event_key, because a
 * unique index on a partitioned table must include the partition key.
 */
export const event = pgTable(
  "event",
  {
    id: uuid("id").notNull(),
    platformId: uuid("platform_id").notNull(),
    shopId: uuid("shop_id").notNull(),
    entityId: uuid("entity_id").notNull(),
    platformEventId: text("platform_event_id").notNull(),
    kind: text("kind").notNull(),
    occurredAt: ts("occurred_at").notNull(),
    receivedAt: ts("received_at").notNull(),
    batchId: uuid("batch_id").notNull(),
    data: jsonb("data").$type<Record<string, unknown>>().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.id, t.occurredAt] }),
    index("event_entity_kind_time").on(t.entityId, t.kind, t.occurredAt),
  ],
);
