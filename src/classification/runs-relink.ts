// The relationship graph around a run's scope, refreshed before the run stages its features.
// A platform's backfill stores its merchant batches without asking for rescores, so no drain
// refreshed their entities' links; the run that ends it refreshes them with rebuildLinks over
// the scope. Entities outside the scope that gained or lost a link are asked for again on
// relationship grounds: the drain rechecks them (relationships-recheck.ts). Those inside are
// classified by the run itself, and those of a platform whose backfill is still open by the run
// that will end it.
import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { idList } from "../db/id-list.js";
import { requestRescore } from "../exchange/rescore-job.js";
import type { EnqueueMany } from "../jobs/index.js";
import { AWAITING_BACKFILL_SQL } from "./backfill-scope.js";
import { rebuildLinks } from "./relationships-rebuild.js";

/**
 * Refreshes the links of every entity `e` matching `scope` (a condition on `entity e`). Without
 * `enqueueMany` the partners outside the scope wait for their next classification (the daily
 * run at the latest).
 */
export async function relinkScope(deps: { db: Database; enqueueMany?: EnqueueMany | undefined }, scope: SQL, now: Date): Promise<void> {
  const { db, enqueueMany } = deps;
  await rebuildLinks(db, now, {
    scope,
    onPartners: enqueueMany
      ? async (tx, partners) => {
          // Not those a platform's open backfill will bring to a run of their own.
          const outside = await db.rows<{ id: string }>(
            sql`select e.id from entity e where e.id in ${idList(partners)} and not (${scope}) and not ${AWAITING_BACKFILL_SQL}`,
            tx,
          );
          await requestRescore(tx, enqueueMany, outside.map((r) => r.id), now, { links: false, relationshipsOnly: true });
        }
      : undefined,
  });
}
