// evaluate: the sandbox fence for a set of entities, in the caller's transaction — after every
// re-scoring (the classify hook) and in the daily run (chunks of 2,000). Set-based: the policy,
// the facts (two or three statements), decisions in memory, then at most one upsert, one audit
// insert and one publish. No change, no row and no message, so a second call with the same facts
// does nothing: a platform hears of each change once.
import type { ClassifiedEntities } from "../classification/contracts.js";
import type { Executor } from "../db/client.js";
import type { PublishToEntityPlatforms } from "../exchange/outbound/types.js";
import { applyFenceChanges, type AppliedChange, type FenceChange } from "./apply.js";
import { decideFence } from "./decide.js";
import { gatherFacts, type OverdueRectifications } from "./facts.js";
import { currentPolicy } from "./policy.js";

export type EvaluateInput = ClassifiedEntities;

export interface EvaluateOutcome {
  evaluated: number;
  admitted: number;
  removed: number;
  policyVersion: number;
  changes: AppliedChange[];
}

export interface EvaluateDeps {
  publishToEntityPlatforms: PublishToEntityPlatforms;
  overdueRectifications?: OverdueRectifications | undefined;
}

export type Evaluate = (tx: Executor, input: EvaluateInput) => Promise<EvaluateOutcome>;

export function makeEvaluate(deps: EvaluateDeps): Evaluate {
  return async (tx, input) => {
    const policy = await currentPolicy(tx);
    const outcome: EvaluateOutcome = { evaluated: 0, admitted: 0, removed: 0, policyVersion: policy.version, changes: [] };
    if (input.entityIds.length === 0) return outcome;
    const facts = await gatherFacts(tx, input.entityIds, input.asOf, {
      indicators: input.indicators,
      overdueRectifications: deps.overdueRectifications,
    });
    const changes: FenceChange[] = [];
    for (const f of facts) {
      outcome.evaluated++;
      const d = decideFence(policy.policy, f, input.asOf);
      if (d.action === "none") continue;
      changes.push({
        entityId: f.entityId,
        regionCode: f.regionCode,
        action: d.action,
        rule: d.rule,
        reason: d.reasonZh,
        evidence: { ...d.evidence, trigger: input.trigger, asOf: input.asOf.toISOString() },
        actor: "system",
        riskClass: f.riskClass,
      });
      if (d.action === "admit") outcome.admitted++;
      else outcome.removed++;
    }
    outcome.changes = await applyFenceChanges(tx, deps.publishToEntityPlatforms, changes, { policyVersion: policy.version, at: input.asOf });
    return outcome;
  };
}
