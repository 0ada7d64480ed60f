// Dry runs (试算) of a candidate fence policy or monitoring rule: the entities of a region scope in
// keyset chunks (a fixed number of statements per chunk, memory bounded by the chunk), and a tally
// of what the candidate would do, by district and by platform, with a bounded sample. Reads only.
import { sql, type SQL } from "drizzle-orm";
import { idList } from "./id-list.js";
import { AppError } from "../http/errors.js";
import { rowsOf, type Database, type Executor } from "./client.js";

/** Entities read per step of a dry run. */
export const WHAT_IF_CHUNK = 2000;
/** Sample entities kept per tally. */
export const WHAT_IF_SAMPLES = 20;
/**
 * Chunks read at once on PostgreSQL (the chunks are independent reads, and the server has more
 * than one core to run them on); PGlite has one connection, so one.
 */
export const WHAT_IF_PARALLEL_CHUNKS = 3;

/**
 * Dry runs one gateway process runs at once: each reads the whole scope with several
 * connections, so a few impatient clicks must not take the pool from ingestion and the console.
 */
export const WHAT_IF_AT_ONCE = 2;
const WHAT_IF_RETRY_AFTER_S = 15;
let dryRunsRunning = 0;

/** Runs `run` in one of the process's dry-run slots, or refuses at once (429) when none is free. */
export async function inDryRunSlot<R>(run: () => Promise<R>): Promise<R> {
  if (dryRunsRunning >= WHAT_IF_AT_ONCE) {
    throw new AppError("RATE_LIMITED", `${WHAT_IF_AT_ONCE} dry runs are already running on this gateway; try again shortly / 已有试算在进行，请稍后再试`, {
      headers: { "Retry-After": String(WHAT_IF_RETRY_AFTER_S) },
    });
  }
  dryRunsRunning++;
  try {
    return await run();
  } finally {
    dryRunsRunning--;
  }
}

export interface WhatIfOptions {
  /** Chunks read at once (default: WHAT_IF_PARALLEL_CHUNKS on PostgreSQL, 1 on PGlite). */
  parallelChunks?: number | undefined;
}

export interface ScopedEntity {
  entityId: string;
  name: string;
  regionCode: string;
  riskClass: string | null;
}

/** The entities whose region starts with `prefix`, in id order, `chunk` at a time. */
export async function* scopeChunks(db: Database, prefix: string, chunk = WHAT_IF_CHUNK): AsyncGenerator<ScopedEntity[]> {
  let after: string | null = null;
  for (;;) {
    // Ordered by the uuid column (the primary key's order), not by the text alias `id`: sorting the
    // text would read and sort the whole scope for every chunk.
    const cursor: SQL = after === null ? sql`true` : sql`e.id > ${after}::uuid`;
    const rows = await db.rows<{ id: string; name: string; region_code: string; risk_class: string | null }>(sql`
      select e.id::text as id, e.name, e.region_code, e.risk_class from entity e
      where e.region_code like ${`${prefix}%`} and ${cursor}
      order by e.id limit ${chunk}`);
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!.id;
    yield rows.map((r) => ({ entityId: r.id, name: r.name, regionCode: r.region_code, riskClass: r.risk_class }));
    if (rows.length < chunk) return;
  }
}

/**
 * `work` over every chunk of the scope, up to `parallel` chunks at once, the results yielded in
 * chunk order — so tallies and their first samples come out the same as a one-at-a-time run.
 */
export async function* mapScopeChunks<R>(
  db: Database,
  prefix: string,
  work: (chunk: ScopedEntity[]) => Promise<R>,
  options: { parallel?: number | undefined; chunk?: number } = {},
): AsyncGenerator<{ chunk: ScopedEntity[]; result: R }> {
  const limit = Math.max(1, options.parallel ?? (db.kind === "postgres" ? WHAT_IF_PARALLEL_CHUNKS : 1));
  const inFlight: Array<Promise<{ chunk: ScopedEntity[]; result: R }>> = [];
  const settle = (p: Promise<unknown>) => p.catch(() => {}); // a later await reports the failure
  try {
    for await (const chunk of scopeChunks(db, prefix, options.chunk)) {
      const next = work(chunk).then((result) => ({ chunk, result }));
      settle(next);
      inFlight.push(next);
      if (inFlight.length >= limit) yield await inFlight.shift()!;
    }
    while (inFlight.length > 0) yield await inFlight.shift()!;
  } finally {
    // A failed or abandoned run still waits for its reads before the caller moves on.
    await Promise.allSettled(inFlight);
  }
}

/** entity id -> the platforms it has shops on (one statement). */
export async function platformsOf(on: Executor, entityIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (entityIds.length === 0) return out;
  const rows = rowsOf<{ entity_id: string; platform_id: string }>(await on.execute(sql`
    select distinct entity_id::text as entity_id, platform_id::text as platform_id from shop where entity_id in ${idList(entityIds)}`));
  for (const r of rows) {
    const list = out.get(r.entity_id);
    if (list) list.push(r.platform_id);
    else out.set(r.entity_id, [r.platform_id]);
  }
  return out;
}

export interface WhatIfSample extends ScopedEntity {
  [detail: string]: unknown;
}

export interface TallyView {
  /** Entities affected. */
  entities: number;
  /** What was counted (entities for the fence; warnings or notices for a rule). */
  count: number;
  byDistrict: Array<{ regionCode: string; count: number }>;
  byPlatform: Array<{ platformId: string; platformName: string; count: number }>;
  samples: WhatIfSample[];
}

/** Counts by district and platform (an entity on two platforms counts on each), first samples kept. */
export class Tally {
  private entities = 0;
  private count = 0;
  private readonly byDistrict = new Map<string, number>();
  private readonly byPlatform = new Map<string, number>();
  private readonly samples: WhatIfSample[] = [];

  add(entity: ScopedEntity, platforms: readonly string[], n = 1, detail: Record<string, unknown> = {}): void {
    if (n <= 0) return;
    this.entities++;
    this.count += n;
    this.byDistrict.set(entity.regionCode, (this.byDistrict.get(entity.regionCode) ?? 0) + n);
    for (const p of platforms) this.byPlatform.set(p, (this.byPlatform.get(p) ?? 0) + n);
    if (this.samples.length < WHAT_IF_SAMPLES) this.samples.push({ ...entity, ...detail });
  }

  platformIds(): string[] {
    return [...this.byPlatform.keys()];
  }

  view(platformNames: ReadonlyMap<string, string>): TallyView {
    const desc = <K>(m: Map<K, number>) => [...m].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])));
    return {
      entities: this.entities,
      count: this.count,
      byDistrict: desc(this.byDistrict).map(([regionCode, count]) => ({ regionCode, count })),
      byPlatform: desc(this.byPlatform).map(([platformId, count]) => ({ platformId, platformName: platformNames.get(platformId) ?? platformId, count })),
      samples: this.samples,
    };
  }
}

/** The platforms' names, for the tallies' views (one statement). */
export async function platformNames(on: Executor, tallies: readonly Tally[]): Promise<Map<string, string>> {
  const ids = [...new Set(tallies.flatMap((t) => t.platformIds()))];
  if (ids.length === 0) return new Map();
  const rows = rowsOf<{ id: string; name: string }>(await on.execute(sql`select id::text as id, name from platform where id in ${idList(ids)}`));
  return new Map(rows.map((r) => [r.id, r.name]));
}
