import { bigint, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { ts } from "../columns.js";

/**
 * Append-only, hash-chained audit log: hash = SHA-256(prev_hash + canonical row). Rows are
 * appended under an advisory lock so the chain is a line, not a tree.
 */
export const auditLog = pgTable("audit_log", {
  seq: bigint("seq", { mode: "number" }).primaryKey(),
  at: ts("at").notNull(),
  actor: text("actor").notNull(),
  action: text("action").notNull(),
  subjectType: text("subject_type").notNull(),
  subjectId: text("subject_id"),
  data: jsonb("data").$type<Record<string, unknown>>().notNull(),
  prevHash: text("prev_hash").notNull(),
  hash: text("hash").notNull(),
});
