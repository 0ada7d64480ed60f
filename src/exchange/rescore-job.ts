// classification.rescore: "this entity's inputs changed, classify it again". Ingestion enqueues
// one per distinct entity (dedupKey rescore:<entityId>), so a burst of events for one entity
// coalesces into a single pending job instead of one job per event.
import { sql } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { defineJob, PermanentJobError, type EnqueueRow, type JobDefinition } from "../jobs/index.js";

export const RESCORE_JOB = "classification.rescore";

export interface RescorePayload {
  entityId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A documented no-op until the classification issue lands: it replaces this definition with
 * one that recomputes the entity's features and class. Until then the rows still prove that
 * every accepted change asked for a rescore exactly once per entity.
 */
export function rescoreJob(): JobDefinition<RescorePayload> {
  return defineJob<RescorePayload>({
    name: RESCORE_JOB,
    parse(payload) {
      const entityId = (payload as { entityId?: unknown } | null)?.entityId;
      if (typeof entityId !== "string" || !UUID.test(entityId)) throw new PermanentJobError("rescore needs {entityId: uuid}");
      return { entityId };
    },
    async handle() {
      // No-op: classification is not built yet (see the comment above).
    },
  });
}

export function rescoreRows(entityIds: Iterable<string>): EnqueueRow[] {
  const rows: EnqueueRow[] = [];
  for (const entityId of new Set(entityIds)) rows.push({ job: RESCORE_JOB, payload: { entityId }, dedupKey: `rescore:${entityId}` });
  return rows;
}

/**
 * The same outbox rows as enqueueMany(rescoreRows(ids)), in ONE statement with one jsonb
 * parameter. Why not enqueueMany: a 10,000-event batch touches thousands of entities, and the
 * multi-row drizzle insert measured ~800 ms for 2,000 rows against ~40 ms for this statement
 * (bench/results/ingest.md). Conflicts on the pending-dedup index coalesce exactly as they do
 * there. maxAttempts comes from the registered definition, so a replacement job keeps its policy.
 */
export async function enqueueRescores(on: Executor, entityIds: Iterable<string>, o: { now: Date; maxAttempts: number }): Promise<void> {
  const ids = [...new Set(entityIds)];
  if (ids.length === 0) return;
  const now = o.now.toISOString();
  await on.execute(sql`
    insert into outbox (job, payload, dedup_key, run_at, max_attempts, created_at, updated_at)
    select ${RESCORE_JOB}, jsonb_build_object('entityId', id), 'rescore:' || id, ${now}::timestamptz, ${o.maxAttempts}::int,
           ${now}::timestamptz, ${now}::timestamptz
    from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) as id
    on conflict do nothing`);
}
