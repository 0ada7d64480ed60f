// classification.rescore: "these entities' inputs changed, classify them again". A request
// appends the entities to rescore_pending (one row per entity per request: a batch of 10,000
// events for one entity is one row) and enqueues one drain job in the same transaction. A drain
// job (registered by the classification module) takes the rows in chunks and classifies each
// chunk's distinct entities with one set-based pass in one transaction: thousands of changed
// entities cost a few statements per chunk instead of a job, a transaction and a planned
// features statement each. A drain that finds its request's rows already taken by an earlier
// one costs one empty statement.
//
// The drain job is deliberately NOT coalesced with a dedupKey: a request coalesced into a
// pending drain that is claimed and runs before the request commits would leave its rows with
// no drain to take them. Committed together, the rows and their drain job become visible
// together.
import { sql } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import { idList } from "../db/id-list.js";
import { defineJob, type EnqueueMany, type JobDefinition } from "../jobs/index.js";

export const RESCORE_JOB = "classification.rescore";
/** The drain job's payload. Rows enqueued before the set existed named one entity each. */
export interface RescorePayload {
  entityId?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The payload check shared by every definition of the job. */
export function parseRescorePayload(payload: unknown): RescorePayload {
  const entityId = (payload as { entityId?: unknown } | null)?.entityId;
  // An entity named by an older row is added to the set; anything else in the payload is ignored.
  return typeof entityId === "string" && UUID.test(entityId) ? { entityId } : {};
}

/** Ids per insert statement: one jsonb parameter each. */
const IDS_PER_INSERT = 10_000;

/**
 * Marks the entities for rescoring and enqueues their drain job; in the caller's transaction.
 * `links: false` when nothing the relationship graph is made of changed (events, propagated
 * risk): the drain then classifies without refreshing the entities' links.
 */
export async function requestRescore(on: Executor, enqueueMany: EnqueueMany, entityIds: Iterable<string>, now: Date, options: { links?: boolean } = {}): Promise<void> {
  const ids = [...new Set(entityIds)];
  if (ids.length === 0) return;
  for (let i = 0; i < ids.length; i += IDS_PER_INSERT) {
    await on.execute(sql`
      insert into rescore_pending (entity_id, requested_at, refresh_links)
      select id, ${now.toISOString()}::timestamptz, ${options.links ?? true} from ${idList(ids.slice(i, i + IDS_PER_INSERT))} as l`);
  }
  await enqueueMany(on, [{ job: RESCORE_JOB, payload: {} }]);
}

/**
 * The job with no work, for registries that only enqueue it (unit tests of ingestion, the
 * relations loader's outbox rows). The classification module registers the real handler.
 */
export function rescoreJob(): JobDefinition<RescorePayload> {
  return defineJob<RescorePayload>({ name: RESCORE_JOB, parse: parseRescorePayload, handle: async () => {} });
}
