// rebuildLinks: the whole graph from scratch (a new database loaded in bulk, a changed
// normalisation or cap), or the graph around a scope (runs-relink.ts), one keyset chunk of
// entities per transaction, bounded memory.
// One pass is enough: each refreshLinks expands every group its entities hold in full, so a
// group is complete once the chunk holding its last member has run.
import { sql, type SQL } from "drizzle-orm";
import type { Database, Executor } from "../db/client.js";
import { refreshLinks } from "./relationships-refresh.js";

export interface RebuildProgress {
  entities: number;
  links: number;
}

export interface RebuildOptions {
  chunkSize?: number;
  onChunk?: (entitiesDone: number) => void;
  /** Only the entities `e` matching this condition on `entity e` (default: every entity). */
  scope?: SQL;
  /** In each chunk's transaction: the entities outside the chunk whose links it added or removed. */
  onPartners?: (tx: Executor, partners: string[]) => Promise<void>;
}

export async function rebuildLinks(db: Database, now: Date, options: RebuildOptions = {}): Promise<RebuildProgress> {
  const chunkSize = options.chunkSize ?? 2_000;
  const scope = options.scope ?? sql`true`;
  let after = "00000000-0000-0000-0000-000000000000";
  let entities = 0;
  for (;;) {
    const ids = (await db.rows<{ id: string }>(sql`select e.id from entity e where e.id > ${after}::uuid and ${scope} order by e.id limit ${chunkSize}`)).map((r) => r.id);
    if (ids.length === 0) break;
    await db.transaction(async (tx) => {
      const partners = await refreshLinks(tx, ids, now);
      if (partners.length > 0) await options.onPartners?.(tx, partners);
    });
    entities += ids.length;
    after = ids[ids.length - 1]!;
    options.onChunk?.(entities);
  }
  const links = Number((await db.rows<{ n: number }>(sql`select count(*)::int as n from entity_link`))[0]?.n ?? 0);
  return { entities, links };
}
