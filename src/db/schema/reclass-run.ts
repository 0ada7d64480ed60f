import { bigint, boolean, index, integer, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, ts } from "../columns.js";

/**
 * A full reclassification run (CLI, daily schedule, admin API or a model activation). It is
 * also the run's resume cursor: each chunk's transaction classifies the chunk AND advances
 * last_entity_id / adds the chunk's counts to this row, so after a crash the run continues
 * after the last committed chunk and never redoes or double-counts one. lease_owner /
 * lease_until keep two executors (a retried job, the CLI) from running one run at once.
 */
export interface RunLane {
  /** Inclusive lower bound of the lane's ids (null: the start of the scope). */
  from: string | null;
  /** Exclusive upper bound (null: the end of the scope). */
  until: string | null;
  /** Cursor: the last id classified by a committed chunk (null: none yet). */
  after: string | null;
  done: boolean;
}

export const reclassRun = pgTable(
  "reclass_run",
  {
    id: id(),
    scope: jsonb("scope").$type<{ regionPrefix?: string; platformId?: string; platformIds?: string[] }>().notNull(),
    modelVersion: text("model_version").notNull(),
    status: text("status", { enum: ["pending", "running", "done", "failed"] }).notNull(),
    reason: text("reason"),
    actor: text("actor").notNull(),
    startedAt: ts("started_at").notNull(),
    finishedAt: ts("finished_at"),
    processed: integer("processed").notNull().default(0),
    total: integer("total"),
    counts: jsonb("counts").$type<Record<string, number>>().notNull(),
    transitions: jsonb("transitions").$type<Record<string, number>>().notNull(),
    /** Keyset cursor of a run from before lanes (its one lane starts after it). */
    lastEntityId: uuid("last_entity_id"),
    /**
     * The scope split into consecutive id ranges executed side by side, each with its own keyset
     * cursor: every entity of a lane with id <= its `after` was classified by a committed chunk.
     * Set when the run is first claimed; a resumed run keeps its lanes.
     */
    lanes: jsonb("lanes").$type<RunLane[]>(),
    chunkSize: integer("chunk_size").notNull(),
    durationMs: bigint("duration_ms", { mode: "number" }),
    error: text("error"),
    /**
     * The run's features, computed for the whole scope in one pass over the event rows as of
     * features_as_of (an UNLOGGED table named after the run; dropped when the run ends). Null
     * until staged; a crash of PostgreSQL empties unlogged tables, so resume checks and restages.
     */
    featuresTable: text("features_table"),
    /**
     * Refresh the relationship graph around the scope's entities before staging: a run that
     * ends a platform's backfill, whose merchant batches refreshed no links.
     */
    relinkFirst: boolean("relink_first").notNull().default(false),
    featuresAsOf: ts("features_as_of"),
    /**
     * When most of the scope is classified for the first time: the first-class check-back's
     * features (the same scope as of this earlier instant, shops as registered at
     * features_as_of) staged beside the run's own, in one more pass. Null: not staged.
     */
    heldFeaturesAsOf: ts("held_features_as_of"),
    leaseOwner: text("lease_owner"),
    leaseUntil: ts("lease_until"),
    createdAt: createdAt(),
  },
  (t) => [index("reclass_run_started").on(t.startedAt), index("reclass_run_status").on(t.status)],
);
