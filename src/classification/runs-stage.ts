// A full run's features, staged: ONE pass over the event rows computes every indicator of every
// entity in the run's scope as of one instant, into an UNLOGGED table named after the run; the
// chunks then read their rows from it by id instead of each looking up its entities' events in
// every monthly partition. Why:
//  - the run reads each event row about once, like a bare scan (bench/results/reclassify.md),
//    instead of ~100 index probes per entity;
//  - every chunk sees the same as-of instant, so a resumed run gives the same classes as an
//    uninterrupted one;
//  - unlogged: it is scratch derived from durable data (no WAL for millions of rows). A
//    PostgreSQL crash empties it; resume notices and stages again.
// Beside it, the entities with a confirmed violation in the year before the as-of instant (a
// second table, named after the first): the chunks' relationship indicators look their linked
// entities up there instead of probing the event index once per linked entity.
// When most entities are classified for the first time (a city's first run, a platform's
// backfill), the classifier checks each first class back over the history as it stood the
// fence's minimum time in class earlier (classify.ts). Per chunk that is an index probe per
// entity and partition (219 s of a 600 s city-wide run); staged, it is one more pass: the same
// two tables as of that earlier instant (shops as registered at the run's instant), named
// reclass_held{features,violators}_<run>. Any read it cannot answer goes by id, as before.
import { sql, type SQL } from "drizzle-orm";
import type { Database, Executor } from "../db/client.js";
import { rowsOf } from "../db/client.js";
import { CATEGORY_HAZARD, LICENCE_REQUIRED_CATEGORIES } from "../scoring/index.js";
import type { ComputeFeatures, ComputeRelationshipIndicators } from "./contracts.js";
import { indicatorRowOf, NO_RELATIONSHIPS, type FeatureRow } from "./features.js";
import { featuresQuery } from "./features-sql.js";
import { relationshipIndicatorsWith, violatorsAsOf } from "./relationships.js";

/** The staged table of a run: its id's hex digits only, so the name is safe to inline. */
export function stagedTableName(runId: string): string {
  const hex = runId.replace(/-/g, "").toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error(`not a run id: ${runId}`);
  return `reclass_features_${hex}`;
}

const ident = (table: string) => {
  if (!/^reclass_(held)?(features|violators)_[0-9a-f]{32}$/.test(table)) throw new Error(`not a staged table: ${table}`);
  return sql.raw(`"${table}"`);
};

/** The violators staged beside a features table. */
const violatorsName = (featuresTable: string) => featuresTable.replace(/^reclass_(held)?features_/, "reclass_$1violators_");
const violatorsOf = (featuresTable: string) => ident(violatorsName(featuresTable));

/** The check-back's features table staged beside a run's. */
export const heldTableName = (featuresTable: string): string => featuresTable.replace(/^reclass_features_/, "reclass_heldfeatures_");

/**
 * Do the staged tables exist, the features with rows? (An empty one after a crash means: stage
 * again. The violators may rightly be none.)
 */
export async function stagedReady(db: Database, table: string | null): Promise<boolean> {
  if (table === null) return false;
  const [r] = await db.rows<{ ok: boolean }>(sql`select to_regclass(${table}) is not null and to_regclass(${violatorsName(table)}) is not null as ok`);
  if (!r?.ok) return false;
  const [row] = await db.rows<{ one: number }>(sql`select 1 as one from ${ident(table)} limit 1`);
  return row !== undefined;
}

/**
 * Computes the scope's features as of `asOf` into `table` (replacing any earlier copy), inside
 * the caller's transaction. `scopeFilter` is a condition on `entity e`, null for every entity;
 * `registeredAsOf` the instant whose shop records count (default asOf).
 */
export async function stageFeatures(db: Database, tx: Executor, table: string, scopeFilter: SQL | null, asOf: Date, registeredAsOf?: Date): Promise<number> {
  // One statement over the whole scope: give the hash aggregate room on PostgreSQL (it spills
  // to disk beyond this). PGlite keeps its default (its memory is the gateway process's own).
  if (db.kind === "postgres") await tx.execute(sql`set local work_mem = '256MB'`);
  await tx.execute(sql`drop table if exists ${ident(table)}`);
  const query = featuresQuery({
    source: { scope: scopeFilter },
    asOf,
    registeredAsOf,
    hazard: CATEGORY_HAZARD,
    licenceRequired: [...LICENCE_REQUIRED_CATEGORIES],
  });
  // id (uuid) beside the query's text entity_id: chunks are runs of consecutive ids, read by
  // one range scan in uuid order. Written once, read by id: no autovacuum (it would vacuum and
  // analyze all of it while the chunks run); the statistics the reads need come from one
  // ANALYZE below.
  await tx.execute(sql`create unlogged table ${ident(table)} with (autovacuum_enabled = false) as select q.entity_id::uuid as id, q.* from (${query}) q`);
  await tx.execute(sql`create unique index on ${ident(table)} (id)`);
  // Every entity's, not only the scope's: linked entities may lie outside it.
  await tx.execute(sql`drop table if exists ${violatorsOf(table)}`);
  await tx.execute(sql`create unlogged table ${violatorsOf(table)} with (autovacuum_enabled = false) as ${violatorsAsOf(asOf)}`);
  await tx.execute(sql`create unique index on ${violatorsOf(table)} (id)`);
  await tx.execute(sql`analyze ${ident(table)}, ${violatorsOf(table)}`);
  const [r] = rowsOf<{ n: number | string }>(await tx.execute(sql`select count(*)::int as n from ${ident(table)}`));
  return Number(r?.n ?? 0);
}

/** Drops a run's staged tables, the check-back's with them. */
export async function dropStaged(on: Executor, table: string | null): Promise<void> {
  if (table === null) return;
  for (const t of [table, heldTableName(table)]) {
    await on.execute(sql`drop table if exists ${ident(t)}`);
    await on.execute(sql`drop table if exists ${violatorsOf(t)}`);
  }
}

/** Relationship indicators for a run's chunks: violators from the set staged at the run's as-of instant. */
export function stagedRelationshipIndicators(table: string): ComputeRelationshipIndicators {
  const violators = violatorsOf(table);
  return relationshipIndicatorsWith(() => sql`select 1 as hit from ${violators} w where w.id = o.o`);
}

/** ComputeFeatures for a run's chunks: own indicators from the staged table, relationships live. */
export function stagedComputeFeatures(table: string, relationships: ComputeRelationshipIndicators): ComputeFeatures {
  return async (on, entityIds, asOf) => {
    const out = new Map<string, ReturnType<typeof indicatorRowOf>>();
    if (entityIds.length === 0) return out;
    const wanted = new Set(entityIds.map((id) => id.toLowerCase()));
    const sorted = [...wanted].sort();
    // A run's chunk is consecutive ids of its scope, so the range holds exactly the chunk's
    // rows; the set check keeps any other caller exact too.
    const rows = rowsOf<FeatureRow>(
      await on.execute(sql`select * from ${ident(table)} where id between ${sorted[0]}::uuid and ${sorted.at(-1)}::uuid`),
    ).filter((r) => wanted.has(r.entity_id));
    const rel = await relationships(on, entityIds, asOf);
    for (const r of rows) out.set(r.entity_id, indicatorRowOf(r, rel.get(r.entity_id) ?? NO_RELATIONSHIPS));
    return out;
  };
}

/** What a run staged: its own features as of `asOf`; the check-back's as of `heldAsOf` (or none). */
export interface StagedRun {
  table: string;
  asOf: Date;
  heldAsOf: Date | null;
}

/**
 * ComputeFeatures for a run's chunks. As of the run's instant: the staged rows. As of the
 * check-back instant with shops as registered at the run's instant: the check-back's staged
 * rows, and by id (`byId`) any entity they lack (created since, or a table a crash emptied).
 * Any other question: by id.
 */
export function runComputeFeatures(run: StagedRun, byId: ComputeFeatures, relationships?: ComputeRelationshipIndicators): ComputeFeatures {
  const own = stagedComputeFeatures(run.table, relationships ?? stagedRelationshipIndicators(run.table));
  const heldTable = heldTableName(run.table);
  const held = stagedComputeFeatures(heldTable, relationships ?? stagedRelationshipIndicators(heldTable));
  const same = (a: Date | undefined, b: Date | null) => a !== undefined && b !== null && a.getTime() === b.getTime();
  return async (on, entityIds, asOf, options) => {
    const registeredAsOf = options?.registeredAsOf ?? asOf;
    if (same(asOf, run.asOf) && same(registeredAsOf, run.asOf)) return own(on, entityIds, asOf);
    if (!same(asOf, run.heldAsOf) || !same(registeredAsOf, run.asOf) || !(await exists(on, heldTable))) return byId(on, entityIds, asOf, options);
    const rows = await held(on, entityIds, asOf);
    const missing = entityIds.filter((id) => !rows.has(id.toLowerCase()));
    if (missing.length > 0) for (const [id, row] of await byId(on, missing, asOf, options)) rows.set(id, row);
    return rows;
  };
}

const exists = async (on: Executor, table: string): Promise<boolean> =>
  rowsOf<{ ok: boolean }>(await on.execute(sql`select to_regclass(${table}) is not null and to_regclass(${violatorsName(table)}) is not null as ok`))[0]?.ok === true;
