// The relationship graph around a run's scope, refreshed before the run stages its features.
// A platform's backfill stores its merchant batches without asking for rescores, so no drain
// refreshed their entities' links; the run that ends it refreshes them here, in one keyset pass
// over the scope (bounded memory, one transaction a chunk, like rebuildLinks). Entities outside
// the scope that gained or lost a link are asked for again on relationship grounds: the drain
// rechecks them (relationships-recheck.ts). Those inside are classified by the run itself, and
// those of a platform whose backfill is still open by the run that will end it.
import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { idList } from "../db/id-list.js";
import { requestRescore } from "../exchange/rescore-job.js";
import type { EnqueueMany } from "../jobs/index.js";
import { refreshLinks } from "./relationships-refresh.js";

const CHUNK = 2_000;

/**
 * Refreshes the links of every entity `e` matching `scope` (a condition on `entity e`); returns
 * how many entities it went through. Without `enqueueMany` the partners outside the scope wait
 * for their next classification (the daily run at the latest).
 */
export async function relinkScope(deps: { db: Database; enqueueMany?: EnqueueMany | undefined }, scope: SQL, now: Date): Promise<number> {
  const { db, enqueueMany } = deps;
  let after = "00000000-0000-0000-0000-000000000000";
  let entities = 0;
  for (;;) {
    const ids = (await db.rows<{ id: string }>(sql`select e.id from entity e where e.id > ${after}::uuid and ${scope} order by e.id limit ${CHUNK}`)).map((r) => r.id);
    if (ids.length === 0) return entities;
    await db.transaction(async (tx) => {
      const partners = await refreshLinks(tx, ids, now);
      if (partners.length === 0 || !enqueueMany) return;
      // Not those a platform's open backfill will bring to a run of their own.
      const outside = await db.rows<{ id: string }>(
        sql`select e.id from entity e where e.id in ${idList(partners)} and not (${scope})
          and not exists (select 1 from shop s join platform p on p.id = s.platform_id where s.entity_id = e.id and p.backfill_since is not null)`,
        tx,
      );
      await requestRescore(tx, enqueueMany, outside.map((r) => r.id), now, { links: false, relationshipsOnly: true });
    });
    entities += ids.length;
    after = ids[ids.length - 1]!;
  }
}
