// The full-run engine. A run walks the entities in its scope by keyset (id > cursor order by
// id limit chunk) and classifies each chunk in its own transaction; that same transaction
// advances the run's cursor and adds the chunk's counts and transitions to the run row. So:
//  - memory is one chunk of ids, whatever the population;
//  - a crash (process killed, classifier error) loses at most the chunk in flight, which
//    rolled back together with its cursor move: the run resumes after the last committed
//    chunk and never redoes or double-counts one;
//  - two executors never run one run at once: a lease (owner + expiry) on the run row is
//    taken before the first chunk and checked under FOR UPDATE in every chunk. A retry of the
//    same job (same owner) takes its own lease back at once; anyone else only after it lapsed;
//  - before the first chunk the scope's features are staged in one pass over the event rows
//    (runs-stage.ts); every chunk classifies as of that one instant.
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { and, eq, sql, type SQL } from "drizzle-orm";
import type { Clock } from "../clock.js";
import type { Database, Executor } from "../db/client.js";
import { reclassRun } from "../db/schema/reclass-run.js";
import type { ClassifyEntities } from "./contracts.js";
import { addTallies, findRun, type RunRow, type RunScope } from "./runs-store.js";
import { computeRelationshipIndicators } from "./relationships.js";
import { dropStaged, stagedComputeFeatures, stagedReady, stagedTableName, stageFeatures } from "./runs-stage.js";

/** A lease outlives a slow chunk by far; a dead executor's run is taken over after it. */
export const RUN_LEASE_MS = 120_000;
/** Longest pause between two chunks on the embedded database (see executeRun). */
const EMBEDDED_MAX_PAUSE_MS = 500;
/** Staging is one statement over the whole scope (minutes at city scale): a longer lease. */
export const STAGE_LEASE_MS = 60 * 60_000;

export interface RunEngineDeps {
  db: Database;
  clock: Clock;
  classify: ClassifyEntities;
  /** The active model's version, recorded on a run when it starts (pending -> running). */
  activeModelVersion?: (on: Executor) => Promise<string>;
}

export interface ExecuteOptions {
  /** Who executes: "job:<outbox id>" (stable across a job's retries) or "cli:<pid>:<nonce>". */
  owner: string;
  /** Stop after this much elapsed time and return "yielded" (jobs continue in a new job). */
  sliceMs?: number;
  /** Called after each committed chunk with the run as committed. */
  onProgress?: (run: RunRow) => void;
  /** Called around the one pass that stages the run's features (minutes at city scale). */
  onStaging?: (phase: "start" | "done", run: RunRow) => void;
  /** Checked between chunks: stop cleanly (lease released) when it returns true. */
  shouldStop?: () => boolean;
  /** Runs in the transaction that releases the lease on "yielded" (enqueue the continuation). */
  onYield?: (tx: Executor) => Promise<void>;
}

export type ExecuteResult =
  | { outcome: "done" | "failed"; run: RunRow }
  /** Another live executor holds the run: it is not ours to run now. */
  | { outcome: "busy"; run: RunRow }
  /** Time slice used up or asked to stop: lease released, the cursor says where to go on. */
  | { outcome: "yielded"; run: RunRow }
  | { outcome: "missing" };

/** The entity filter of a scope (the ids themselves are bounded by the keyset). */
export function scopeFilter(scope: RunScope): SQL {
  const parts: SQL[] = [sql`true`];
  if (scope.regionPrefix) parts.push(sql`starts_with(e.region_code, ${scope.regionPrefix})`);
  if (scope.platformId) parts.push(sql`exists (select 1 from shop s where s.entity_id = e.id and s.platform_id = ${scope.platformId}::uuid)`);
  return sql.join(parts, sql` and `);
}

export async function countScope(db: Database, on: Executor, scope: RunScope): Promise<number> {
  const [r] = await db.rows<{ n: number | bigint }>(sql`select count(*)::int as n from entity e where ${scopeFilter(scope)}`, on);
  return Number(r?.n ?? 0);
}

async function nextChunk(db: Database, on: Executor, scope: RunScope, after: string | null, limit: number): Promise<string[]> {
  const cursor = after === null ? sql`true` : sql`e.id > ${after}::uuid`;
  const rows = await db.rows<{ id: string }>(sql`select e.id from entity e where ${cursor} and ${scopeFilter(scope)} order by e.id limit ${limit}`, on);
  return rows.map((r) => r.id);
}

class LeaseLost extends Error {
  override readonly name = "LeaseLost";
}

/** Takes (or re-takes) the run's lease; undefined when the run is finished or leased by someone alive. */
async function claim(deps: RunEngineDeps, runId: string, owner: string): Promise<RunRow | undefined> {
  const { db, clock } = deps;
  return db.transaction(async (tx) => {
    const now = clock.now();
    const [run] = await tx.select().from(reclassRun).where(eq(reclassRun.id, runId)).for("update").limit(1);
    if (!run || run.status === "done" || run.status === "failed") return undefined;
    const heldByOther = run.leaseOwner !== null && run.leaseOwner !== owner && run.leaseUntil !== null && run.leaseUntil > now;
    if (heldByOther) return undefined;
    const patch: Partial<RunRow> = { status: "running", leaseOwner: owner, leaseUntil: new Date(now.getTime() + RUN_LEASE_MS) };
    if (run.status === "pending" && deps.activeModelVersion) patch.modelVersion = await deps.activeModelVersion(tx);
    if (run.total === null) patch.total = await countScope(db, tx, run.scope);
    const [claimed] = await tx.update(reclassRun).set(patch).where(eq(reclassRun.id, runId)).returning();
    return claimed;
  });
}

/** Gives the lease back; `alongside` runs in the same transaction (a job's continuation). */
async function release(db: Database, runId: string, owner: string, alongside?: (tx: Executor) => Promise<void>): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(reclassRun)
      .set({ leaseOwner: null, leaseUntil: null })
      .where(and(eq(reclassRun.id, runId), eq(reclassRun.leaseOwner, owner)));
    await alongside?.(tx);
  });
}

/**
 * Stages the run's features (runs-stage.ts). The lease is first stretched, in its own committed
 * transaction, to cover the long statement; the staging transaction then re-checks it. A
 * restage (after a PostgreSQL crash emptied the table) keeps the run's first as-of instant.
 */
async function stage(deps: RunEngineDeps, claimed: RunRow, owner: string): Promise<RunRow> {
  const { db, clock } = deps;
  await db.orm
    .update(reclassRun)
    .set({ leaseUntil: new Date(clock.now().getTime() + STAGE_LEASE_MS) })
    .where(and(eq(reclassRun.id, claimed.id), eq(reclassRun.leaseOwner, owner)));
  return db.transaction(async (tx) => {
    const [run] = await tx.select().from(reclassRun).where(eq(reclassRun.id, claimed.id)).for("update").limit(1);
    if (!run || run.status !== "running" || run.leaseOwner !== owner) throw new LeaseLost(`run ${claimed.id} is no longer leased to ${owner}`);
    const table = stagedTableName(run.id);
    const asOf = run.featuresAsOf ?? clock.now();
    await stageFeatures(db, tx, table, run.scope.regionPrefix || run.scope.platformId ? scopeFilter(run.scope) : null, asOf);
    const [staged] = await tx
      .update(reclassRun)
      .set({ featuresTable: table, featuresAsOf: asOf, leaseUntil: new Date(clock.now().getTime() + RUN_LEASE_MS) })
      .where(eq(reclassRun.id, run.id))
      .returning();
    return staged!;
  });
}

/** One chunk in one transaction: classify, advance the cursor, add the tallies (or finish). */
async function runChunk(deps: RunEngineDeps, runId: string, owner: string): Promise<RunRow> {
  const { db, clock } = deps;
  return db.transaction(async (tx) => {
    const [run] = await tx.select().from(reclassRun).where(eq(reclassRun.id, runId)).for("update").limit(1);
    if (!run || run.status !== "running" || run.leaseOwner !== owner) throw new LeaseLost(`run ${runId} is no longer leased to ${owner}`);
    const now = clock.now();
    const ids = await nextChunk(db, tx, run.scope, run.lastEntityId, run.chunkSize);
    if (ids.length === 0) {
      await dropStaged(tx, run.featuresTable);
      const [done] = await tx
        .update(reclassRun)
        .set({ status: "done", finishedAt: now, durationMs: Math.max(0, now.getTime() - run.startedAt.getTime()), leaseOwner: null, leaseUntil: null, total: run.processed, featuresTable: null })
        .where(eq(reclassRun.id, runId))
        .returning();
      return done!;
    }
    const outcome = await deps.classify(tx, ids, {
      trigger: "run",
      runId,
      asOf: run.featuresAsOf ?? now,
      computeFeatures: run.featuresTable === null ? undefined : stagedComputeFeatures(run.featuresTable, computeRelationshipIndicators),
    });
    const [next] = await tx
      .update(reclassRun)
      .set({
        lastEntityId: ids[ids.length - 1]!,
        processed: run.processed + ids.length,
        counts: addTallies(run.counts, outcome.counts),
        transitions: addTallies(run.transitions, outcome.transitions),
        leaseUntil: new Date(now.getTime() + RUN_LEASE_MS),
        // Entities created during the run can push the count past the first estimate.
        total: Math.max(run.total ?? 0, run.processed + ids.length),
      })
      .where(eq(reclassRun.id, runId))
      .returning();
    return next!;
  });
}

/**
 * Executes (or resumes) a run until it is done, the slice is used up or shouldStop() says so.
 * A classifier or database error releases the lease and is rethrown: the caller retries
 * (the job runner) or reports it; markRunFailed() ends a run for good.
 */
export async function executeRun(deps: RunEngineDeps, runId: string, o: ExecuteOptions): Promise<ExecuteResult> {
  const claimed = await claim(deps, runId, o.owner);
  if (!claimed) {
    const run = await findRun(deps.db.orm, runId);
    if (!run) return { outcome: "missing" };
    return run.status === "done" || run.status === "failed" ? { outcome: run.status, run } : { outcome: "busy", run };
  }
  // Elapsed time for the slice only (not a domain time), so a monotonic timer.
  const began = performance.now();
  let run = claimed;
  try {
    if (!(await stagedReady(deps.db, run.featuresTable))) {
      o.onStaging?.("start", run);
      run = await stage(deps, run, o.owner);
      o.onStaging?.("done", run);
    }
    for (;;) {
      const chunkBegan = performance.now();
      run = await runChunk(deps, runId, o.owner);
      o.onProgress?.(run);
      if (run.status === "done") return { outcome: "done", run };
      // The embedded database is one connection shared with the API, and a chunk holds it:
      // between two chunks the run steps aside for a quarter of the chunk's time, so requests
      // waiting meanwhile get their several statements through instead of one per chunk.
      if (deps.db.kind === "pglite") await sleep(Math.min(EMBEDDED_MAX_PAUSE_MS, (performance.now() - chunkBegan) / 4));
      if ((o.sliceMs !== undefined && performance.now() - began >= o.sliceMs) || o.shouldStop?.()) {
        await release(deps.db, runId, o.owner, o.onYield);
        return { outcome: "yielded", run };
      }
    }
  } catch (err) {
    if (err instanceof LeaseLost) {
      const now = await findRun(deps.db.orm, runId);
      return now ? { outcome: now.status === "done" || now.status === "failed" ? now.status : "busy", run: now } : { outcome: "missing" };
    }
    await release(deps.db, runId, o.owner).catch(() => {});
    throw err;
  }
}

/** Ends a run for good (retries exhausted, or the operator gave up on it). */
export async function markRunFailed(deps: Pick<RunEngineDeps, "db" | "clock">, runId: string, error: string): Promise<void> {
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    const [failed] = await tx
      .update(reclassRun)
      .set({ status: "failed", error: error.slice(0, 2000), finishedAt: now, leaseOwner: null, leaseUntil: null, featuresTable: null })
      .where(and(eq(reclassRun.id, runId), sql`${reclassRun.status} in ('pending', 'running')`))
      .returning();
    if (failed) await dropStaged(tx, stagedTableName(runId));
  });
}
