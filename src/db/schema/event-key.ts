import { pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { ts } from "../columns.js";

/**
 * One row per accepted event, keyed by (platform, platform event id): the global uniqueness
 * the partitioned event table cannot enforce. Insert here first (ON CONFLICT DO NOTHING);
 * only the keys that went in are appended to event, so a resend is a duplicate, not a row.
 */
export const eventKey = pgTable(
  "event_key",
  {
    platformId: uuid("platform_id").notNull(),
    platformEventId: text("platform_event_id").notNull(),
    eventId: uuid("event_id").notNull(),
    occurredAt: ts("occurred_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.platformId, t.platformEventId] })],
);
