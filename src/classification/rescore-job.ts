// The real classification.rescore job: drains the requests to rescore (rescore_pending, appended
// by requestRescore) in chunks, oldest first. Each chunk is one transaction: take up to
// RESCORE_CHUNK requests and the other requests of their entities (skipping rows another worker
// holds), classify their distinct entities
// together, pass a risk signal on. A crash rolls the chunk back into the table, so no request is
// lost; every request brings its own drain job, so none waits for the next change either.
//
// Coalescing (coalesceMs > 0): a drain runs at least that long after its request and takes only
// requests at least that old (and every other request of their entities, whatever its age), so
// the requests an entity gathers within the window are classified once. The drains of one
// window's requests share their instant (the job's delayMs rounds up), so one drain takes the
// whole window and the others find nothing left. A city connecting its platforms sends each
// merchant's record and, a second later, its events: without the window each entity was
// classified for both (bench/results/city.md). The price is one to two windows, added to the
// time from an event to its class.
//
// When a class WORSENED to C or D, the entity's related entities are rescored too (their
// related_worst_class changed). This cannot ping-pong forever: a propagation needs a strict
// worsening, and an entity can worsen at most four times (none -> A -> B -> C -> D).
//
// Those requests, and a new link's partners', can only have moved relationship indicators: the
// drain classifies such an entity only if that changes what the model or a rule reads
// (relationships-recheck.ts); an entity with any other request in the chunk is classified.
import { sql } from "drizzle-orm";
import { rowsOf } from "../db/client.js";
import { defineJob, type JobDefinition } from "../jobs/index.js";
import { parseRescorePayload, requestRescore, RESCORE_JOB, type RescorePayload } from "../exchange/rescore-job.js";
import type { ServiceDeps } from "../services.js";
import { worsened, type ClassifyWithTransitions } from "./classify.js";
import type { RelatedEntityIds } from "./contracts.js";
import { refreshLinks } from "./relationships.js";
import type { RecheckRelationships } from "./relationships-recheck.js";

/** Requests per chunk: one set-based classification pass over their entities each. */
export const RESCORE_CHUNK = 500;
/** Chunks one run takes before handing the rest to a fresh job (keeps a run inside its lease). */
const CHUNKS_PER_RUN = 40;

export interface RescoreJobDeps extends Pick<ServiceDeps, "db" | "clock" | "enqueueMany" | "kick"> {
  classify: ClassifyWithTransitions;
  /** Refreshes the relationship graph around these entities (requests whose records changed). */
  refreshLinks: (tx: Parameters<ClassifyWithTransitions>[0], entityIds: string[]) => Promise<void>;
  relatedEntityIds: RelatedEntityIds;
  /** How long a request waits for others of its entity before its drain (0: none). */
  coalesceMs?: number;
  /** Which entities asked for on relationship grounds only need no classification (absent: all are classified). */
  recheckRelationships?: RecheckRelationships;
}

/**
 * The drain's link refresh: refreshes the graph around these entities, then asks for the
 * entities whose links it added or removed (their relationship indicators changed) to be scored
 * again. Without a refresh of their own: this refresh already wrote every link between them and
 * these entities, and their own records did not change. Refreshing them as well would re-derive
 * (and lock) a whole group once per existing member each time a member joins it.
 */
export function refreshLinksAndRescorePartners(deps: Pick<ServiceDeps, "clock" | "enqueueMany">): RescoreJobDeps["refreshLinks"] {
  return async (tx, entityIds) => {
    const partners = await refreshLinks(tx, entityIds, deps.clock.now());
    if (partners.length > 0) await requestRescore(tx, deps.enqueueMany, partners, deps.clock.now(), { links: false, relationshipsOnly: true });
  };
}

/**
 * The newest request a drain takes: those at least the window old, and always the one that
 * enqueued it (its instant is in the payload: the clocks of two processes may disagree). Null
 * without a window, or for a drain whose payload names no instant: every request.
 */
function takeUntil(deps: RescoreJobDeps, requestedAt: string | undefined): Date | null {
  const window = deps.coalesceMs ?? 0;
  if (window <= 0 || requestedAt === undefined) return null;
  return new Date(Math.max(deps.clock.now().getTime() - window, Date.parse(requestedAt)));
}

export function classificationRescoreJob(deps: RescoreJobDeps): JobDefinition<RescorePayload> {
  return defineJob<RescorePayload>({
    name: RESCORE_JOB,
    parse: parseRescorePayload,
    timeoutMs: 10 * 60_000,
    delayMs: deps.coalesceMs ?? 0,
    async handle({ entityId, requestedAt }) {
      if (entityId) await deps.db.transaction((tx) => requestRescore(tx, deps.enqueueMany, [entityId], deps.clock.now()));
      const until = takeUntil(deps, requestedAt);
      for (let chunk = 0; chunk < CHUNKS_PER_RUN; chunk++) {
        const taken = await deps.db.transaction((tx) => rescoreChunk(tx, deps, until));
        // The chunk may have enqueued deliveries (classification.changed, the sandbox's and
        // monitoring's messages and jobs even when the class stayed) and propagated rescores.
        deps.kick();
        if (taken < RESCORE_CHUNK) return;
      }
      // More remain: a fresh job takes them (this one holds its row until it returns), due now
      // and up to the same instant.
      const rest: RescorePayload = until === null ? {} : { requestedAt: until.toISOString() };
      await deps.enqueueMany(deps.db.orm, [{ job: RESCORE_JOB, payload: rest, runAt: deps.clock.now() }]);
      deps.kick();
    },
  });
}

async function rescoreChunk(tx: Parameters<ClassifyWithTransitions>[0], deps: RescoreJobDeps, until: Date | null): Promise<number> {
  // The oldest free requests (up to `until`), and every other free request of the same entities:
  // an entity asked for by several batches is classified once, by one drain, instead of by
  // concurrent drains queueing on each other's rows of it (its address, its entity row).
  const due = until === null ? sql`true` : sql`requested_at <= ${until.toISOString()}::timestamptz`;
  const taken = await tx.execute(sql`
    with picked as (
      select id, entity_id from rescore_pending where ${due} order by id limit ${RESCORE_CHUNK} for update skip locked
    ), same_entities as (
      select r.id from rescore_pending r
      where r.entity_id in (select entity_id from picked) and r.id not in (select id from picked)
      for update of r skip locked
    )
    delete from rescore_pending
    where id in (select id from picked union all select id from same_entities)
    returning entity_id::text as entity_id, refresh_links, relationships_only`);
  const requests = rowsOf<{ entity_id: string; refresh_links: boolean; relationships_only: boolean }>(taken);
  if (requests.length === 0) return 0;
  const ids = [...new Set(requests.map((r) => r.entity_id))].sort();
  // The graph around entities whose records changed first (same transaction), then every
  // entity's features read it as it now is.
  const relinked = [...new Set(requests.filter((r) => r.refresh_links).map((r) => r.entity_id))].sort();
  if (relinked.length > 0) await deps.refreshLinks(tx, relinked);
  const skipped = deps.recheckRelationships ? await deps.recheckRelationships(tx, ids, relationshipsOnly(requests), deps.clock.now()) : new Set<string>();
  const outcome = await deps.classify(tx, ids.filter((id) => !skipped.has(id)), { trigger: "event" });
  const worse = outcome.changes.filter((c) => (c.to === "C" || c.to === "D") && worsened(c.from, c.to)).map((c) => c.entityId);
  if (worse.length > 0) {
    // Related entities scored in this very chunk saw the old classes too: they go again.
    await requestRescore(tx, deps.enqueueMany, await deps.relatedEntityIds(tx, worse), deps.clock.now(), { links: false, relationshipsOnly: true });
  }
  return requests.length;
}

/** The entities all of whose requests in the chunk are on relationship grounds only. */
function relationshipsOnly(requests: ReadonlyArray<{ entity_id: string; relationships_only: boolean }>): string[] {
  const other = new Set(requests.filter((r) => !r.relationships_only).map((r) => r.entity_id));
  return [...new Set(requests.filter((r) => r.relationships_only && !other.has(r.entity_id)).map((r) => r.entity_id))];
}
