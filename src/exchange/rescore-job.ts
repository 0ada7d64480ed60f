// classification.rescore: "this entity's inputs changed, classify it again". Ingestion enqueues
// one per distinct entity (dedupKey rescore:<entityId>), so a burst of events for one entity
// coalesces into a single pending job instead of one job per event.
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
