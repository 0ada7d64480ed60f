import { index, jsonb, pgTable, uuid } from "drizzle-orm/pg-core";
import { ts } from "../columns.js";

/**
 * Every `licence` event again, in one small unpartitioned table, kept by a trigger on event
 * (migrations/*_licence_event_follow.sql) whatever path inserted it. Why: an entity's licence
 * status is its LATEST licence event, however old, so read from event it descended the licence
 * index of every monthly partition (~100 at city scale) for every entity a rescore drain
 * classified, and planning that read was a large part of each drain's statement. Licence events
 * are few (a few per entity), so here they are one index descent per entity. Same ids and
 * values as the event rows; no foreign keys, as on event.
 */
export const licenceEvent = pgTable(
  "licence_event",
  {
    eventId: uuid("event_id").primaryKey(),
    entityId: uuid("entity_id").notNull(),
    shopId: uuid("shop_id").notNull(),
    occurredAt: ts("occurred_at").notNull(),
    data: jsonb("data").$type<Record<string, unknown>>().notNull(),
  },
  (t) => [index("licence_event_entity_time").on(t.entityId, t.occurredAt)],
);
