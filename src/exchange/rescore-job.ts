// classification.rescore: "this entity's inputs changed, classify it again". Ingestion enqueues
// one per distinct entity (dedupKey rescore:<entityId>), so a burst of events for one entity
// coalesces into a single pending job instead of one job per event.
import { defineJob, PermanentJobError, type EnqueueRow, type JobDefinition } from "../jobs/index.js";

export const RESCORE_JOB = "classification.rescore";

export interface RescorePayload {
  entityId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The payload check shared by every definition of the job. */
export function parseRescorePayload(payload: unknown): RescorePayload {
  const entityId = (payload as { entityId?: unknown } | null)?.entityId;
  if (typeof entityId !== "string" || !UUID.test(entityId)) throw new PermanentJobError("rescore needs {entityId: uuid}");
  return { entityId };
}

/**
 * The job with no work, for registries that only enqueue it (unit tests of ingestion, the
 * relations loader's outbox rows). The classification module registers the real handler.
 */
export function rescoreJob(): JobDefinition<RescorePayload> {
  return defineJob<RescorePayload>({ name: RESCORE_JOB, parse: parseRescorePayload, handle: async () => {} });
}

export function rescoreRows(entityIds: Iterable<string>): EnqueueRow[] {
  const rows: EnqueueRow[] = [];
  for (const entityId of new Set(entityIds)) rows.push({ job: RESCORE_JOB, payload: { entityId }, dedupKey: `rescore:${entityId}` });
  return rows;
}
