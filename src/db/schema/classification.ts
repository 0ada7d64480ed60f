import { sql } from "drizzle-orm";
import { bigserial, boolean, index, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
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
 * Requests to classify an entity again because its inputs changed, drained in chunks (oldest
 * first) by the rescore job. Append-only rows with their own ids rather than one row per entity:
 * an insert then never waits on another transaction's row (a unique entity key made ingestion
 * and a draining chunk wait on each other's keys, and deadlock); the drain de-duplicates.
 */
export const rescorePending = pgTable(
  "rescore_pending",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    entityId: uuid("entity_id").notNull(),
    requestedAt: ts("requested_at").notNull(),
    /**
     * Whether what the relationship graph is made of may have changed (a merchant record, a
     * claim, loaded relations): the drain refreshes the entity's links first. Events and risk
     * propagation change no link, and refreshing the graph around every entity of a busy
     * address for each of them made concurrent drains queue on the same links.
     */
    refreshLinks: boolean("refresh_links").notNull().default(true),
    /**
     * Whether only the entity's relationship indicators may have changed (a partner's new or
     * removed link, a related entity's worse class): the drain then classifies it only if the
     * model or a monitoring rule would read the new values differently (relationships-recheck.ts).
     */
    relationshipsOnly: boolean("relationships_only").notNull().default(false),
  },
  // A drain takes every free request of the entities it picked (see the rescore job).
  (t) => [index("rescore_pending_entity").on(t.entityId)],
);
