// The full-run engine. A run splits its scope into lanes (consecutive id ranges, two on
// PostgreSQL so both cores work, one on the embedded database) and walks each lane by keyset
// (id > cursor order by id limit chunk), the lanes side by side; each chunk is classified in its
// own transaction, and that same transaction advances its lane's cursor and adds the chunk's
// counts and transitions to the run row. So:
//  - memory is one chunk of ids per lane, whatever the population;
//  - a crash (process killed, classifier error) loses at most the chunk in flight, which
//    rolled back together with its cursor move: the run resumes after the last committed
//    chunk and never redoes or double-counts one;
//  - two executors never run one run at once: a lease (owner + expiry) on the run row is
//    taken before the first chunk, and every chunk commits only through an update of the run
//    row that requires it (the lanes' chunks do not hold the row meanwhile). A retry of the
//    same job (same owner) takes its own lease back at once; anyone else only after it lapsed;
//  - before the first chunk the scope's features are staged in one pass over the event rows
//    (runs-stage.ts); every chunk classifies as of that one instant. When most entities get
//    their first class, the first-class check-back is staged too, in a second pass.
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { and, eq, sql, type SQL } from "drizzle-orm";
import type { Clock } from "../clock.js";
import type { Database, Executor } from "../db/client.js";
import { reclassRun, type RunLane } from "../db/schema/reclass-run.js";
import { idList } from "../db/id-list.js";
import type { EnqueueMany } from "../jobs/index.js";
import type { ClassifyEntities } from "./contracts.js";
import { findRun, type RunRow, type RunScope } from "./runs-store.js";
import { relinkScope } from "./runs-relink.js";
import { AWAITING_BACKFILL_SQL } from "./backfill-scope.js";
import { dropStaged, heldTableName, runComputeFeatures, stagedReady, stagedTableName, stageFeatures } from "./runs-stage.js";
import { PROVISIONAL_CLASS_SQL } from "./classify.js";
import { computeFeatures } from "./features.js";
import { DAY_MS } from "../db/time.js";

/** A lease outlives a slow chunk by far; a dead executor's run is taken over after it. */
export const RUN_LEASE_MS = 120_000;
/** Longest pause between two chunks on the embedded database (see executeRun). */
const EMBEDDED_MAX_PAUSE_MS = 500;
/** Staging is one statement over the whole scope (minutes at city scale): a longer lease. */
export const STAGE_LEASE_MS = 60 * 60_000;
/**
 * Lanes of a new run: two on PostgreSQL (a chunk is mostly the database's work, in one backend:
 * two chunks at once use both cores of a small server), one on the embedded database (one
 * connection: lanes would only take turns).
 */
export const lanesFor = (db: Database): number => (db.kind === "postgres" ? 2 : 1);

export interface RunEngineDeps {
  db: Database;
  clock: Clock;
  classify: ClassifyEntities;
  /** The active model's version, recorded on a run when it starts (pending -> running). */
  activeModelVersion?: (on: Executor) => Promise<string>;
  /** Asks for rescores of entities outside a relinked scope whose links changed (runs-relink.ts). */
  enqueueMany?: EnqueueMany;
  /** The classifier's first-class check-back, in days (classify.ts); absent or 0: none to stage. */
  heldLookbackDays?: (on: Executor) => Promise<number>;
}

export interface ExecuteOptions {
  /** Who executes: "job:<outbox id>" (stable across a job's retries) or "cli:<pid>:<nonce>". */
  owner: string;
  /** Stop after this much elapsed time and return "yielded" (jobs continue in a new job). */
  sliceMs?: number;
  /** Lanes of a run claimed for the first time (default lanesFor(db)); a resumed run keeps its own. */
  lanes?: number;
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

/**
 * The entity filter of a scope (the ids themselves are bounded by the keyset). Every run passes
 * over the entities an open backfill will classify in its own run (backfill-scope.ts); the run
 * that ends a backfill starts after it closed, so its own entities are not among them.
 */
export function scopeFilter(scope: RunScope): SQL {
  const parts: SQL[] = [sql`not ${AWAITING_BACKFILL_SQL}`];
  if (scope.regionPrefix) parts.push(sql`starts_with(e.region_code, ${scope.regionPrefix})`);
  if (scope.platformId) parts.push(sql`exists (select 1 from shop s where s.entity_id = e.id and s.platform_id = ${scope.platformId}::uuid)`);
  if (scope.platformIds?.length) {
    parts.push(sql`exists (select 1 from shop s where s.entity_id = e.id and s.platform_id in ${idList(scope.platformIds)})`);
  }
  return sql.join(parts, sql` and `);
}

/** Entities in the scope (after `after`, when given). */
export async function countScope(db: Database, on: Executor, scope: RunScope, after?: string): Promise<number> {
  const rest = after === undefined ? sql`true` : sql`e.id > ${after}::uuid`;
  const [r] = await db.rows<{ n: number | bigint }>(sql`select count(*)::int as n from entity e where ${rest} and ${scopeFilter(scope)}`, on);
  return Number(r?.n ?? 0);
}

async function nextChunk(db: Database, on: Executor, scope: RunScope, lane: RunLane, limit: number): Promise<string[]> {
  const lower = lane.after !== null ? sql`e.id > ${lane.after}::uuid` : lane.from !== null ? sql`e.id >= ${lane.from}::uuid` : sql`true`;
  const upper = lane.until === null ? sql`true` : sql`e.id < ${lane.until}::uuid`;
  const rows = await db.rows<{ id: string }>(sql`select e.id from entity e where ${lower} and ${upper} and ${scopeFilter(scope)} order by e.id limit ${limit}`, on);
  return rows.map((r) => r.id);
}

/**
 * The scope's ids after `after` (a run from before lanes resumes there; `remaining` of them),
 * split into `n` lanes of about equal size at the quantile ids, read along the primary key.
 */
async function splitLanes(db: Database, on: Executor, scope: RunScope, after: string | null, remaining: number, n: number): Promise<RunLane[]> {
  const rest = after === null ? sql`true` : sql`e.id > ${after}::uuid`;
  const bounds: string[] = [];
  for (let k = 1; k < n && remaining >= n; k++) {
    const [b] = await db.rows<{ id: string }>(
      sql`select e.id from entity e where ${rest} and ${scopeFilter(scope)} order by e.id offset ${Math.floor((remaining * k) / n)} limit 1`,
      on,
    );
    if (b) bounds.push(b.id);
  }
  return [null, ...bounds].map((from, k) => ({ from, until: bounds[k] ?? null, after: k === 0 ? after : null, done: false }));
}

class LeaseLost extends Error {
  override readonly name = "LeaseLost";
}

/** Takes (or re-takes) the run's lease; undefined when the run is finished or leased by someone alive. */
async function claim(deps: RunEngineDeps, runId: string, owner: string, lanes: number): Promise<RunRow | undefined> {
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
    if (run.lanes === null) {
      // A new run splits its whole scope (counted just above); a run from before lanes, the rest.
      const remaining = run.lastEntityId === null ? (patch.total ?? run.total ?? 0) : await countScope(db, tx, run.scope, run.lastEntityId);
      patch.lanes = await splitLanes(db, tx, run.scope, run.lastEntityId, remaining, Math.max(1, lanes));
    }
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
  // Links before features: the relationship indicators the chunks read come from them. Done
  // again on a restage (idempotent).
  if (claimed.relinkFirst) await relinkScope(deps, scopeFilter(claimed.scope), clock.now());
  return db.transaction(async (tx) => {
    const [run] = await tx.select().from(reclassRun).where(eq(reclassRun.id, claimed.id)).for("update").limit(1);
    if (!run || run.status !== "running" || run.leaseOwner !== owner) throw new LeaseLost(`run ${claimed.id} is no longer leased to ${owner}`);
    const table = stagedTableName(run.id);
    const asOf = run.featuresAsOf ?? clock.now();
    const census = await entityCensus(db, tx, run.scope);
    await stageFeatures(db, tx, table, stageWhole(run, census) ? null : scopeFilter(run.scope), asOf);
    const heldAsOf = await checkBackInstant(deps, tx, census, asOf);
    if (heldAsOf !== null) await stageFeatures(db, tx, heldTableName(table), null, heldAsOf, asOf);
    const [staged] = await tx
      .update(reclassRun)
      .set({ featuresTable: table, featuresAsOf: asOf, heldFeaturesAsOf: heldAsOf, leaseUntil: new Date(clock.now().getTime() + RUN_LEASE_MS) })
      .where(eq(reclassRun.id, run.id))
      .returning();
    return staged!;
  });
}

/** What staging decides by: every entity, and the scope's entities with no class from evidence yet. */
interface EntityCensus {
  all: number;
  firstInScope: number;
}

/** One pass over the entity rows for both counts. */
async function entityCensus(db: Database, tx: Executor, scope: RunScope): Promise<EntityCensus> {
  const [r] = await db.rows<{ first: number | string; all: number | string }>(
    sql`select (count(*) filter (where ${scopeFilter(scope)} and ${PROVISIONAL_CLASS_SQL}))::int as first, count(*)::int as all from entity e`,
    tx,
  );
  return { all: Number(r?.all ?? 0), firstInScope: Number(r?.first ?? 0) };
}

/**
 * Stage every entity's features, not only the scope's? Yes for a city-wide run, and for a scope
 * of at least half the entities: staging reads every event row of the lookback either way, and
 * the scope's semi-join then costs more than the rows it saves (five platforms covering the city:
 * 104 s filtered against 50 s whole). The chunks read only their own ids from the table.
 */
function stageWhole(run: RunRow, census: EntityCensus): boolean {
  const { regionPrefix, platformId, platformIds } = run.scope;
  if (!regionPrefix && !platformId && !platformIds?.length) return true;
  return census.all > 0 && (run.total ?? census.all) * 2 >= census.all;
}

/**
 * The instant to stage the first-class check-back for, or null. Staged (for every entity, one
 * pass over the event rows) when at least half of all entities are in the scope with a
 * provisional class: then nearly every chunk asks for it, and by id it costs an index probe
 * per entity and partition. A run over a few new entities asks by id, as a rescore does.
 */
async function checkBackInstant(deps: RunEngineDeps, tx: Executor, census: EntityCensus, asOf: Date): Promise<Date | null> {
  const lookback = (await deps.heldLookbackDays?.(tx)) ?? 0;
  if (!(lookback > 0)) return null;
  return census.firstInScope > 0 && census.firstInScope * 2 >= census.all ? new Date(asOf.getTime() - lookback * DAY_MS) : null;
}

/** Adds a chunk's tallies (no zeros) to a jsonb counts column, in SQL: lanes commit side by side. */
const plusTallies = (column: SQL, add: Record<string, number>) => sql`(
  select coalesce(jsonb_object_agg(k, n), '{}'::jsonb) from (
    select k, sum(n)::int as n from (
      select key as k, value::int as n from jsonb_each_text(${column})
      union all select key, value::int from jsonb_each_text(${JSON.stringify(Object.fromEntries(Object.entries(add).filter(([, v]) => v)))}::jsonb)
    ) x group by k
  ) y)`;

/** Sets one lane's field in the lanes column. */
const laneSet = (k: number, field: keyof RunLane, value: string | boolean) =>
  sql`jsonb_set(${reclassRun.lanes}, ${`{${k},${field}}`}::text[], ${JSON.stringify(value)}::jsonb)`;

/**
 * One chunk of lane k in one transaction: classify, advance the lane's cursor, add the tallies
 * (or mark the lane done, and the run when it was the last). The run row is read without a lock
 * (the other lanes commit to it meanwhile) and written last, only while the lease is ours: an
 * executor that lost its lease rolls its chunk back.
 */
async function runChunk(deps: RunEngineDeps, runId: string, owner: string, k: number): Promise<RunRow> {
  const { db, clock } = deps;
  return db.transaction(async (tx) => {
    const [run] = await tx.select().from(reclassRun).where(eq(reclassRun.id, runId)).limit(1);
    if (!run || run.status !== "running" || run.leaseOwner !== owner) throw new LeaseLost(`run ${runId} is no longer leased to ${owner}`);
    const now = clock.now();
    const leased = and(eq(reclassRun.id, runId), eq(reclassRun.leaseOwner, owner), eq(reclassRun.status, "running"));
    const ids = await nextChunk(db, tx, run.scope, run.lanes![k]!, run.chunkSize);
    if (ids.length === 0) {
      const [ended] = await tx.update(reclassRun).set({ lanes: laneSet(k, "done", true) }).where(leased).returning();
      if (!ended) throw new LeaseLost(`run ${runId} is no longer leased to ${owner}`);
      if (!ended.lanes!.every((l) => l.done)) return ended;
      await dropStaged(tx, ended.featuresTable);
      const [done] = await tx
        .update(reclassRun)
        .set({ status: "done", finishedAt: now, durationMs: Math.max(0, now.getTime() - run.startedAt.getTime()), leaseOwner: null, leaseUntil: null, total: ended.processed, featuresTable: null })
        .where(eq(reclassRun.id, runId))
        .returning();
      return done!;
    }
    const outcome = await deps.classify(tx, ids, {
      trigger: "run",
      runId,
      asOf: run.featuresAsOf ?? now,
      computeFeatures:
        run.featuresTable === null || run.featuresAsOf === null
          ? undefined
          : runComputeFeatures({ table: run.featuresTable, asOf: run.featuresAsOf, heldAsOf: run.heldFeaturesAsOf }, computeFeatures),
    });
    const [next] = await tx
      .update(reclassRun)
      .set({
        lanes: laneSet(k, "after", ids[ids.length - 1]!),
        processed: sql`${reclassRun.processed} + ${ids.length}`,
        counts: plusTallies(sql`${reclassRun.counts}`, outcome.counts),
        transitions: plusTallies(sql`${reclassRun.transitions}`, outcome.transitions),
        leaseUntil: new Date(now.getTime() + RUN_LEASE_MS),
        // Entities created during the run can push the count past the first estimate.
        total: sql`greatest(coalesce(${reclassRun.total}, 0), ${reclassRun.processed} + ${ids.length})`,
      })
      .where(leased)
      .returning();
    if (!next) throw new LeaseLost(`run ${runId} is no longer leased to ${owner}`);
    return next;
  });
}

/**
 * Executes (or resumes) a run until it is done, the slice is used up or shouldStop() says so.
 * A classifier or database error releases the lease and is rethrown: the caller retries
 * (the job runner) or reports it; markRunFailed() ends a run for good.
 */
export async function executeRun(deps: RunEngineDeps, runId: string, o: ExecuteOptions): Promise<ExecuteResult> {
  const claimed = await claim(deps, runId, o.owner, o.lanes ?? lanesFor(deps.db));
  if (!claimed) {
    const run = await findRun(deps.db.orm, runId);
    if (!run) return { outcome: "missing" };
    return run.status === "done" || run.status === "failed" ? { outcome: run.status, run } : { outcome: "busy", run };
  }
  // Elapsed time for the slice only (not a domain time), so a monotonic timer.
  const began = performance.now();
  let run = claimed;
  /** Set when one lane stops (slice used up, asked to stop, an error): the others stop after their chunk. */
  let stop = false;
  const sliceOver = () => stop || (o.sliceMs !== undefined && performance.now() - began >= o.sliceMs) || (o.shouldStop?.() ?? false);
  const lane = async (k: number) => {
    try {
      while (!sliceOver()) {
        const chunkBegan = performance.now();
        const committed = await runChunk(deps, runId, o.owner, k);
        o.onProgress?.(committed);
        if (committed.status === "done" || committed.lanes?.[k]?.done) return;
        // The embedded database is one connection shared with the API, and a chunk holds it:
        // between two chunks the run steps aside for a quarter of the chunk's time, so requests
        // waiting meanwhile get their several statements through instead of one per chunk.
        if (deps.db.kind === "pglite") await sleep(Math.min(EMBEDDED_MAX_PAUSE_MS, (performance.now() - chunkBegan) / 4));
      }
    } catch (err) {
      stop = true;
      throw err;
    }
  };
  try {
    if (!(await stagedReady(deps.db, run.featuresTable))) {
      o.onStaging?.("start", run);
      run = await stage(deps, run, o.owner);
      o.onStaging?.("done", run);
    }
    const open = run.lanes!.flatMap((l, k) => (l.done ? [] : [k]));
    const ended = await Promise.allSettled(open.map(lane));
    const failed = ended.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    const now = (await findRun(deps.db.orm, runId))!;
    if (now.status === "done") return { outcome: "done", run: now };
    if (open.length === 0) {
      // Every lane had ended before the run was marked done (a crash in between): finish it.
      return { outcome: "done", run: await runChunk(deps, runId, o.owner, 0) };
    }
    await release(deps.db, runId, o.owner, o.onYield);
    return { outcome: "yielded", run: now };
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
