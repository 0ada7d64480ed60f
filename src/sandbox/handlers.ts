// The regulator operations of the sandbox: thin handlers, validated input -> verb -> JSON.
// Role and region scope are checked inside the verbs.
import type { Context } from "hono";
import { actorOf } from "../auth/actor.js";
import { effectivePrefix } from "../classification/distribution.js";
import type { AppEnv } from "../http/context.js";
import type { Handlers } from "../http/router.js";
import type { FencePolicy } from "./policy.js";
import { getSandboxEntity, listMembers } from "./queries.js";
import { decideManually, getFencePolicy, requireRegulator, updateFencePolicy, type SandboxContext } from "./verbs.js";

export function sandboxHandlers(deps: Omit<SandboxContext, "actor">): Handlers {
  const ctx = (c: Context<AppEnv>): SandboxContext => ({ ...deps, actor: actorOf(c) });
  return {
    getSandboxPolicy: async (c) => c.json(await getFencePolicy(ctx(c))),
    putSandboxPolicy: async (c, input) => {
      const body = input.body as { policy: FencePolicy; reason: string; expectedVersion?: number };
      return c.json(await updateFencePolicy(ctx(c), body));
    },
    listSandboxMembers: async (c, input) => {
      const regulator = requireRegulator(actorOf(c), "viewer");
      const q = input.query as { status?: "inside" | "outside" | "all"; region?: string; platform?: string; limit?: number; cursor?: string };
      return c.json(
        await listMembers(deps.db.orm, {
          prefix: effectivePrefix(regulator.regionPrefix, q.region),
          status: q.status ?? "inside",
          platformId: q.platform,
          limit: q.limit ?? 100,
          cursor: q.cursor,
        }),
      );
    },
    getSandboxEntity: async (c, input) => {
      const regulator = requireRegulator(actorOf(c), "viewer");
      return c.json(await getSandboxEntity(deps.db.orm, { prefix: regulator.regionPrefix, entityId: input.params.entityId }));
    },
    admitToSandbox: async (c, input) =>
      c.json(await decideManually(ctx(c), { entityId: input.params.entityId, action: "admit", reason: (input.body as { reason: string }).reason })),
    removeFromSandbox: async (c, input) =>
      c.json(await decideManually(ctx(c), { entityId: input.params.entityId, action: "remove", reason: (input.body as { reason: string }).reason })),
  };
}
