import { sql } from "drizzle-orm";
import { index, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, ts } from "../columns.js";
import type { ModelArtifact } from "../../scoring/index.js";

/**
 * Scoring models: the expert default (seeded at start) and trained ones. `version` is the
 * artifact's content-derived version. At most one row is `active` (partial unique index); the
 * classification history (src/db/partitioned/classification.ts) records the version used.
 */
export const model = pgTable(
  "model",
  {
    version: text("version").primaryKey(),
    source: text("source", { enum: ["expert", "trained"] }).notNull(),
    status: text("status", { enum: ["candidate", "active", "retired"] }).notNull(),
    artifact: jsonb("artifact").$type<ModelArtifact>().notNull(),
    metrics: jsonb("metrics").$type<Record<string, unknown>>(),
    trainedAt: ts("trained_at"),
    createdAt: createdAt(),
    activatedAt: ts("activated_at"),
    /** Who activated it: a regulator user id, or "system" for the seeded expert default. */
    activatedBy: text("activated_by"),
  },
  (t) => [uniqueIndex("model_one_active").on(t.status).where(sql`${t.status} = 'active'`), index("model_created").on(t.createdAt)],
);

/**
 * Entities whose inputs changed and wait for classification.rescore: a set (one row per entity,
 * however many changes), drained in chunks oldest first by the rescore job.
 */
export const rescorePending = pgTable(
  "rescore_pending",
  {
    entityId: uuid("entity_id").primaryKey(),
    requestedAt: ts("requested_at").notNull(),
  },
  (t) => [index("rescore_pending_requested").on(t.requestedAt)],
);
