// rebuildLinks: the whole graph from scratch (a new database loaded in bulk, a changed
// normalisation or cap), one keyset chunk of entities per transaction, bounded memory.
// One pass is enough: each refreshLinks expands every group its entities hold in full, so a
// group is complete once the chunk holding its last member has run.
import { sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { refreshLinks } from "./relationships-refresh.js";

export interface RebuildProgress {
  entities: number;
  links: number;
}

export async function rebuildLinks(
  db: Database,
  now: Date,
  options: { chunkSize?: number; onChunk?: (entitiesDone: number) => void } = {},
): Promise<RebuildProgress> {
  const chunkSize = options.chunkSize ?? 2_000;
  let after = "00000000-0000-0000-0000-000000000000";
  let entities = 0;
  for (;;) {
    const ids = (await db.rows<{ id: string }>(sql`select id from entity where id > ${after}::uuid order by id limit ${chunkSize}`)).map((r) => r.id);
    if (ids.length === 0) break;
    await db.transaction((tx) => refreshLinks(tx, ids, now));
    entities += ids.length;
    after = ids[ids.length - 1]!;
    options.onChunk?.(entities);
  }
  const links = Number((await db.rows<{ n: number }>(sql`select count(*)::int as n from entity_link`))[0]?.n ?? 0);
  return { entities, links };
}
