// The reclass_run rows: creating a run, reading runs, and their API shape. The engine that
// executes a run is runs.ts.
import { desc, eq, sql } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import type { Clock } from "../clock.js";
import type { Executor } from "../db/client.js";
import { reclassRun } from "../db/schema/reclass-run.js";
import type { components } from "../generated/openapi.js";
import type { RiskClass } from "./contracts.js";

export type RunRow = typeof reclassRun.$inferSelect;
/** Entities of a region, of a platform, or of any of several platforms (a run that ends their backfills). */
export type RunScope = { regionPrefix?: string; platformId?: string; platformIds?: string[] };
export type ReclassificationRun = components["schemas"]["ReclassificationRun"];

export const DEFAULT_CHUNK_SIZE = 2000;
export const RUN_CLASSES: readonly (RiskClass | "unclassified")[] = ["A", "B", "C", "D"];

export interface NewRun {
  scope: RunScope;
  modelVersion: string;
  reason?: string | undefined;
  /** The audit actor label, e.g. "regulator:<id>", "cli", "system:reclassify-daily". */
  actor: string;
  chunkSize?: number;
  /** Refresh the scope's relationship graph before staging (a run that ends a platform's backfill). */
  relinkFirst?: boolean;
}

/** Inserts a pending run (in the caller's transaction, beside the job that will execute it). */
export async function insertRun(on: Executor, clock: Clock, run: NewRun): Promise<RunRow> {
  const scope: RunScope = {};
  if (run.scope.regionPrefix) scope.regionPrefix = run.scope.regionPrefix;
  if (run.scope.platformId) scope.platformId = run.scope.platformId;
  if (run.scope.platformIds?.length) scope.platformIds = [...run.scope.platformIds].sort();
  const [row] = await on
    .insert(reclassRun)
    .values({
      id: uuidv7(),
      scope,
      modelVersion: run.modelVersion,
      status: "pending",
      reason: run.reason ?? null,
      actor: run.actor,
      startedAt: clock.now(),
      counts: {},
      transitions: {},
      chunkSize: run.chunkSize ?? DEFAULT_CHUNK_SIZE,
      relinkFirst: run.relinkFirst ?? false,
    })
    .returning();
  return row!;
}

export async function findRun(on: Executor, runId: string): Promise<RunRow | undefined> {
  const [row] = await on.select().from(reclassRun).where(eq(reclassRun.id, runId)).limit(1);
  return row;
}

export async function listRuns(on: Executor, limit: number): Promise<RunRow[]> {
  return on.select().from(reclassRun).orderBy(desc(reclassRun.startedAt), desc(reclassRun.id)).limit(limit);
}

/**
 * Runs whose scope overlaps a regulator's region: inside it, or a wider run (e.g. the daily run
 * over everything) that covered it. Runs hold aggregate counts only, never entities.
 */
export async function listRunsInRegion(on: Executor, regionPrefix: string, limit: number): Promise<RunRow[]> {
  const runPrefix = sql`coalesce(${reclassRun.scope}->>'regionPrefix', '')`;
  return on
    .select()
    .from(reclassRun)
    .where(sql`(starts_with(${runPrefix}, ${regionPrefix}) or starts_with(${regionPrefix}, ${runPrefix}))`)
    .orderBy(desc(reclassRun.startedAt), desc(reclassRun.id))
    .limit(limit);
}

/** Whether a run's scope overlaps a region prefix (see listRunsInRegion). */
export const runInRegion = (run: RunRow, regionPrefix: string): boolean => {
  const p = run.scope.regionPrefix ?? "";
  return p.startsWith(regionPrefix) || regionPrefix.startsWith(p);
};

export function classCounts(counts: Record<string, number>, total?: number | null): components["schemas"]["ClassCounts"] {
  const A = counts.A ?? 0;
  const B = counts.B ?? 0;
  const C = counts.C ?? 0;
  const D = counts.D ?? 0;
  const classified = A + B + C + D;
  const all = total ?? classified;
  return { total: all, A, B, C, D, unclassified: Math.max(0, all - classified) };
}

export function runToApi(r: RunRow): ReclassificationRun {
  const finished = r.status === "done" || r.status === "failed";
  return {
    runId: r.id,
    status: r.status,
    scope: r.scope,
    modelVersion: r.modelVersion,
    ...(r.reason ? { reason: r.reason } : {}),
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
    processed: r.processed,
    total: r.total,
    counts: r.processed > 0 || finished ? classCounts(r.counts, r.processed) : null,
    transitions: r.processed > 0 || finished ? r.transitions : null,
    durationMs: r.durationMs,
  };
}
