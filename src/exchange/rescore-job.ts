// classification.rescore: "these entities' inputs changed, classify them again". A request
// appends the entities to rescore_pending (one row per entity per request: a batch of 10,000
// events for one entity is one row) and enqueues one drain job in the same transaction. A drain
// job (registered by the classification module) takes the rows in chunks and classifies each
// chunk's distinct entities with one set-based pass in one transaction: thousands of changed
// entities cost a few statements per chunk instead of a job, a transaction and a planned
// features statement each. A drain that finds its request's rows already taken by an earlier
// one costs one empty statement.
//
// The drain may be defined with a coalescing delay (classification/rescore-job.ts): it then runs
// that long after its request and takes only requests at least that old, so an entity asked for
// again meanwhile (its merchant record, then its events a second later) is classified once. The
// payload names when its request was made, so the drain always takes that request, whatever
// the clocks of the process that asked and the process that drains say.
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
  /** When the request that enqueued this drain was made (ISO 8601): the drain takes it at the latest. */
  requestedAt?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The payload check shared by every definition of the job. */
export function parseRescorePayload(payload: unknown): RescorePayload {
  const { entityId, requestedAt } = (payload ?? {}) as { entityId?: unknown; requestedAt?: unknown };
  // An entity named by an older row is added to the set; anything else in the payload is ignored.
  const out: RescorePayload = typeof entityId === "string" && UUID.test(entityId) ? { entityId } : {};
  // An unreadable instant is dropped: the drain then takes every request, as it did before.
  if (typeof requestedAt === "string" && !Number.isNaN(Date.parse(requestedAt))) out.requestedAt = new Date(requestedAt).toISOString();
  return out;
}

/** Ids per insert statement: one jsonb parameter each. */
const IDS_PER_INSERT = 10_000;

export interface RescoreOptions {
  /**
   * false when nothing the relationship graph is made of changed (events, propagated risk): the
   * drain then classifies without refreshing the entities' links. Default true.
   */
  links?: boolean;
  /**
   * true when only the entities' relationship indicators may have changed (a partner's link, a
   * related entity's class): the drain classifies them only if that changes what the model or a
   * monitoring rule reads. Default false.
   */
  relationshipsOnly?: boolean;
}

/** Marks the entities for rescoring and enqueues their drain job; in the caller's transaction. */
export async function requestRescore(on: Executor, enqueueMany: EnqueueMany, entityIds: Iterable<string>, now: Date, options: RescoreOptions = {}): Promise<void> {
  const ids = [...new Set(entityIds)];
  if (ids.length === 0) return;
  for (let i = 0; i < ids.length; i += IDS_PER_INSERT) {
    await on.execute(sql`
      insert into rescore_pending (entity_id, requested_at, refresh_links, relationships_only)
      select id, ${now.toISOString()}::timestamptz, ${options.links ?? true}, ${options.relationshipsOnly ?? false}
      from ${idList(ids.slice(i, i + IDS_PER_INSERT))} as l`);
  }
  await enqueueMany(on, [{ job: RESCORE_JOB, payload: { requestedAt: now.toISOString() } satisfies RescorePayload }]);
}

/**
 * The job with no work, for registries that only enqueue it (unit tests of ingestion, the
 * relations loader's outbox rows). The classification module registers the real handler.
 */
export function rescoreJob(): JobDefinition<RescorePayload> {
  return defineJob<RescorePayload>({ name: RESCORE_JOB, parse: parseRescorePayload, handle: async () => {} });
}
