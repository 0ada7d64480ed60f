import { index, integer, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { id, ts } from "../columns.js";
import { platform } from "./platform.js";

/** Each accepted submission, with the evidence of who sent what: body hash, detached JWS, kid. */
export const batch = pgTable(
  "batch",
  {
    id: id(),
    platformId: uuid("platform_id").notNull().references(() => platform.id),
    kind: text("kind", { enum: ["merchants", "events", "receipts", "other"] }).notNull(),
    bodySha256: text("body_sha256").notNull(),
    signature: text("signature").notNull(),
    kid: text("kid").notNull(),
    idempotencyKey: text("idempotency_key"),
    recordCount: integer("record_count").notNull(),
    accepted: integer("accepted").notNull(),
    duplicates: integer("duplicates").notNull(),
    rejected: integer("rejected").notNull(),
    receipt: text("receipt"),
    receivedAt: ts("received_at").notNull(),
  },
  (t) => [index("batch_platform_time").on(t.platformId, t.receivedAt)],
);
