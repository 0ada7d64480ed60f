import { doublePrecision, index, jsonb, pgTable, primaryKey, smallint, text, uuid } from "drizzle-orm/pg-core";
import { ts } from "../columns.js";
import type { Contribution } from "../../scoring/index.js";

/**
 * Every classification ever made (history). In the database it is range-partitioned by month
 * of computed_at (migrations/*_classification_partitioned.sql), like event, so this definition
 * is kept out of drizzle.config.ts and only types queries. Why: a daily full run writes ~1.57M
 * rows (Chengdu), ~575M a year; per-entity reads (profile history) go through
 * (entity_id, computed_at desc) and prune to recent months, and retention drops whole months
 * instead of deleting rows. Partitions are created by ensure_classification_partition(date).
 */
export const classification = pgTable(
  "classification",
  {
    id: uuid("id").notNull(),
    entityId: uuid("entity_id").notNull(),
    modelVersion: text("model_version").notNull(),
    p: doublePrecision("p").notNull(),
    loss: doublePrecision("loss").notNull(),
    expectedLoss: doublePrecision("expected_loss").notNull(),
    riskClass: text("risk_class", { enum: ["A", "B", "C", "D"] }).notNull(),
    override: text("override"),
    logitPrior: doublePrecision("logit_prior").notNull(),
    /**
     * The feature states in model order (smallint[]): with the model version they fix every
     * contribution (scoring contributionsOf), at ~80 bytes a row instead of ~850 for the words.
     * contributions (jsonb) is kept for rows written before states existed.
     */
    states: smallint("states").array(),
    contributions: jsonb("contributions").$type<Contribution[]>(),
    computedAt: ts("computed_at").notNull(),
    trigger: text("trigger", { enum: ["event", "run", "manual"] }).notNull(),
    runId: uuid("run_id"),
  },
  (t) => [primaryKey({ columns: [t.id, t.computedAt] }), index("classification_entity_time").on(t.entityId, t.computedAt.desc())],
);
