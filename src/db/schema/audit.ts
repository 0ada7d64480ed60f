import { bigint, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { ts } from "../columns.js";

/**
 * Append-only, hash-chained audit log: hash = SHA-256 of the canonical JSON of the row with its
 * prev_hash (recipe in src/audit/hash.ts). Rows are appended only through appendAudit, under an
 * advisory lock so the chain is a line, not a tree; triggers (migration 0003) refuse UPDATE,
 * DELETE and TRUNCATE, and verifyAuditChain finds what an owner bypassing them changed.
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
