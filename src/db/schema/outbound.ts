import { sql } from "drizzle-orm";
import { bigserial, customType, index, integer, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { id, ts } from "../columns.js";

/** PostgreSQL's 64-bit transaction id (xid8), as a decimal string. */
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => "xid8" });

/**
 * Messages to platforms, one row per recipient. The feed orders them by (tx_id, seq) and only
 * shows rows whose transaction is older than every transaction still running
 * (tx_id < pg_snapshot_xmin(pg_current_snapshot())): that set never grows behind a reader's
 * cursor, so a feed resumed from any cursor has no gaps and no repeats, even when writers
 * commit out of order.
 */
export const outboundMessage = pgTable(
  "outbound_message",
  {
    id: id(),
    seq: bigserial("seq", { mode: "number" }).notNull(),
    txId: xid8("tx_id").notNull().default(sql`pg_current_xact_id()`),
    platformId: uuid("platform_id").notNull(),
    type: text("type").notNull(),
    entityId: uuid("entity_id"),
    data: jsonb("data").$type<Record<string, unknown>>().notNull(),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [index("outbound_message_feed").on(t.platformId, t.txId, t.seq)],
);

/** One webhook delivery per message to a platform with a webhook URL; dead after the last try. */
export const webhookDelivery = pgTable(
  "webhook_delivery",
  {
    id: id(),
    messageId: uuid("message_id").notNull(),
    platformId: uuid("platform_id").notNull(),
    status: text("status", { enum: ["pending", "delivered", "dead"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    lastAttemptAt: ts("last_attempt_at"),
    deliveredAt: ts("delivered_at"),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [index("webhook_delivery_status").on(t.status, t.platformId), index("webhook_delivery_message").on(t.messageId)],
);
