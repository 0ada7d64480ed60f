// The regulator operations of the sandbox: thin handlers, validated input -> verb -> JSON.
// Role and region scope are checked inside the verbs.
import type { Context } from "hono";
import { actorOf } from "../auth/actor.js";
import type { AppEnv } from "../http/context.js";
import type { Handlers } from "../http/router.js";
import type { FencePolicy } from "./policy.js";
import { fencePolicyWhatIf } from "./what-if.js";
import { decideManually, getFencePolicy, holdEntity, listFencePolicyVersions, releaseHold, listSandboxMembers, readSandboxEntity, updateFencePolicy, type SandboxContext } from "./verbs.js";

export function sandboxHandlers(deps: Omit<SandboxContext, "actor">): Handlers {
  const ctx = (c: Context<AppEnv>): SandboxContext => ({ ...deps, actor: actorOf(c) });
  return {
    getSandboxPolicy: async (c) => c.json(await getFencePolicy(ctx(c))),
    putSandboxPolicy: async (c, input) => {
      const body = input.body as { policy: FencePolicy; reason: string; expectedVersion?: number };
      return c.json(await updateFencePolicy(ctx(c), body));
    },
    whatIfSandboxPolicy: async (c, input) => c.json(await fencePolicyWhatIf(ctx(c), input.body as { policy: FencePolicy; region?: string })),
    listSandboxPolicyVersions: async (c, input) => c.json(await listFencePolicyVersions(ctx(c), input.query as { limit?: number; cursor?: string })),
    listSandboxMembers: async (c, input) => c.json(await listSandboxMembers(ctx(c), input.query as Parameters<typeof listSandboxMembers>[1])),
    getSandboxEntity: async (c, input) => c.json(await readSandboxEntity(ctx(c), { entityId: input.params.entityId })),
    admitToSandbox: async (c, input) =>
      c.json(await decideManually(ctx(c), { entityId: input.params.entityId, action: "admit", reason: (input.body as { reason: string }).reason })),
    removeFromSandbox: async (c, input) =>
      c.json(await decideManually(ctx(c), { entityId: input.params.entityId, action: "remove", reason: (input.body as { reason: string }).reason })),
    holdSandboxEntity: async (c, input) => {
      const body = input.body as { reason: string; until: string };
      return c.json(await holdEntity(ctx(c), { entityId: input.params.entityId, reason: body.reason, until: body.until }));
    },
    releaseSandboxHold: async (c, input) =>
      c.json(await releaseHold(ctx(c), { entityId: input.params.entityId, reason: (input.body as { reason: string }).reason })),
  };
}
