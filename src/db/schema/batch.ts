import { sql } from "drizzle-orm";
import { check, index, integer, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { id, ts } from "../columns.js";
import { historyLoad } from "./history-load.js";
import { platform } from "./platform.js";

/**
 * Each accepted submission, with the evidence of who sent what. A platform's batch carries the
 * body hash, its detached JWS and kid, and the gateway's receipt. An operator's bulk load of
 * the platform's history (source = operator) has no platform signature to keep: it carries the
 * SHA-256 of the file bytes the chunk came from and its history_load row instead.
 */
export const batch = pgTable(
  "batch",
  {
    id: id(),
    platformId: uuid("platform_id").notNull().references(() => platform.id),
    kind: text("kind", { enum: ["merchants", "events", "receipts", "other"] }).notNull(),
    bodySha256: text("body_sha256").notNull(),
    source: text("source", { enum: ["platform", "operator"] }).notNull().default("platform"),
    signature: text("signature"),
    kid: text("kid"),
    historyLoadId: uuid("history_load_id").references(() => historyLoad.id),
    idempotencyKey: text("idempotency_key"),
    recordCount: integer("record_count").notNull(),
    accepted: integer("accepted").notNull(),
    duplicates: integer("duplicates").notNull(),
    rejected: integer("rejected").notNull(),
    receipt: text("receipt"),
    receivedAt: ts("received_at").notNull(),
  },
  (t) => [
    index("batch_platform_time").on(t.platformId, t.receivedAt),
    check("batch_evidence", sql`(source = 'platform' and signature is not null and kid is not null) or (source = 'operator' and history_load_id is not null)`),
  ],
);
