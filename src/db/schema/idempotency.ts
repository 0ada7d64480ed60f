import { index, integer, jsonb, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { ts } from "../columns.js";

/** Stored responses for Idempotency-Key replays, per caller; kept at least 24 h. */
export const idempotencyRecord = pgTable(
  "idempotency_record",
  {
    /** Whose key this is (a platform id, a regulator user id): keys never cross callers. */
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    state: text("state", { enum: ["in_flight", "done"] }).notNull(),
    responseStatus: integer("response_status"),
    responseHeaders: jsonb("response_headers").$type<Record<string, string>>(),
    responseBody: text("response_body"),
    createdAt: ts("created_at").notNull(),
    /** An in-flight claim older than this is considered abandoned (the process died). */
    lockedUntil: ts("locked_until"),
    /** The database session (Database.sessionTag) of the process holding an in-flight claim. */
    owner: text("owner"),
    expiresAt: ts("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] }), index("idempotency_expires").on(t.expiresAt)],
);
