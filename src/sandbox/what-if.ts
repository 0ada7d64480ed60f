// The fence policy what-if (试算): a candidate policy, validated as a save is, decided over every
// entity in the caller's scope as of now — who would enter and who would leave the sandbox at the
// next evaluation, by district and platform, with samples. The same facts and the same decideFence
// as the real evaluation, read chunk by chunk without locks; nothing is written.
import { authorize, regulator } from "../auth/authorize.js";
import { inDryRunSlot, mapScopeChunks, platformNames, platformsOf, Tally, type ScopedEntity, type WhatIfOptions } from "../db/what-if.js";
import { AppError } from "../http/errors.js";
import { decideFence } from "./decide.js";
import { gatherFacts } from "./facts.js";
import { currentPolicy, validateFencePolicy, type FencePolicy } from "./policy.js";
import type { SandboxContext } from "./verbs.js";

export async function fencePolicyWhatIf(
  ctx: Pick<SandboxContext, "db" | "clock" | "actor" | "overdueRectifications"> & WhatIfOptions,
  input: { policy: FencePolicy; region?: string | undefined },
) {
  const { scope } = authorize(ctx.actor, regulator("officer", input.region));
  const errors = validateFencePolicy(input.policy, "/policy");
  if (errors.length > 0) throw new AppError("VALIDATION_FAILED", "the fence policy is invalid", { errors });
  return inDryRunSlot(async () => {
    const now = ctx.clock.now();
    const inForce = await currentPolicy(ctx.db.orm);
    const entering = new Tally();
    const leaving = new Tally();
    const byPolicyInForce = { entering: 0, leaving: 0 };
    let evaluated = 0;
    if (scope !== null) {
      const read = async (chunk: ScopedEntity[]) => {
        const ids = chunk.map((e) => e.entityId);
        const facts = await gatherFacts(ctx.db.orm, ids, now, { lock: false, overdueRectifications: ctx.overdueRectifications });
        return { facts, platforms: await platformsOf(ctx.db.orm, ids) };
      };
      for await (const { chunk, result: { facts, platforms } } of mapScopeChunks(ctx.db, scope, read, { parallel: ctx.parallelChunks })) {
        const byId = new Map(chunk.map((e) => [e.entityId, e]));
        for (const f of facts) {
          evaluated++;
          const current = decideFence(inForce.policy, f, now);
          if (current.action === "admit") byPolicyInForce.entering++;
          else if (current.action === "remove") byPolicyInForce.leaving++;
          const d = decideFence(input.policy, f, now);
          if (d.action === "none") continue;
          const entity = byId.get(f.entityId) ?? { entityId: f.entityId, name: "", regionCode: f.regionCode, riskClass: f.riskClass };
          (d.action === "admit" ? entering : leaving).add(entity, platforms.get(f.entityId) ?? [], 1, { rule: d.rule, reasonZh: d.reasonZh });
        }
      }
    }
    const names = await platformNames(ctx.db.orm, [entering, leaving]);
    return {
      asOf: now.toISOString(),
      policyVersionInForce: inForce.version,
      evaluated,
      entering: entering.view(names),
      leaving: leaving.view(names),
      byPolicyInForce,
    };
  });
}
