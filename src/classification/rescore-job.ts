// The real classification.rescore job (the exchange enqueues it per accepted change, coalesced
// per entity by dedupKey rescore:<entityId>): classify the one entity in a transaction, then
// pass a risk signal on. When the class WORSENED to C or D, the entity's related entities are
// rescored too (their related_worst_class changed). This cannot ping-pong forever: a
// propagation needs a strict worsening, and an entity can worsen at most four times
// (none -> A -> B -> C -> D) before its class stops changing; dedupKey coalesces the rest.
import { defineJob, type JobDefinition } from "../jobs/index.js";
import { parseRescorePayload, RESCORE_JOB, rescoreRows, type RescorePayload } from "../exchange/rescore-job.js";
import type { ServiceDeps } from "../services.js";
import { worsened, type ClassifyWithTransitions } from "./classify.js";
import type { RelatedEntityIds } from "./contracts.js";

export interface RescoreJobDeps extends Pick<ServiceDeps, "db" | "enqueueMany" | "kick"> {
  classify: ClassifyWithTransitions;
  relatedEntityIds: RelatedEntityIds;
}

export function classificationRescoreJob(deps: RescoreJobDeps): JobDefinition<RescorePayload> {
  return defineJob<RescorePayload>({
    name: RESCORE_JOB,
    parse: parseRescorePayload,
    async handle({ entityId }) {
      await deps.db.transaction(async (tx) => {
        const outcome = await deps.classify(tx, [entityId], { trigger: "event" });
        const worse = outcome.changes.filter((c) => (c.to === "C" || c.to === "D") && worsened(c.from, c.to)).map((c) => c.entityId);
        if (worse.length === 0) return;
        const related = (await deps.relatedEntityIds(tx, worse)).filter((id) => id !== entityId);
        if (related.length > 0) await deps.enqueueMany(tx, rescoreRows(related));
      });
      // The transaction may have enqueued deliveries (classification.changed, and the sandbox's
      // and monitoring's messages and jobs even when the class stayed) and propagated rescores.
      deps.kick();
    },
  });
}
