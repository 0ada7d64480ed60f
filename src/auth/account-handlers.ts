// Thin HTTP handlers for the gateway's own keys and for regulator accounts (admin).
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import type { Handlers } from "../http/router.js";
import { actorOf } from "./actor.js";
import type { GatewayKeys } from "./gateway-keys.js";
import { disableRegulatorUser, enableRegulatorUser, listRegulatorUsers, resetRegulatorPassword } from "./regulator-accounts.js";

/** A generated password is in the answer: no cache may keep it. */
const NO_STORE = { "Cache-Control": "no-store" };

export function accountHandlers(deps: { db: Database; clock: Clock; gatewayKeys: GatewayKeys }): Handlers {
  const ctx = (c: Parameters<typeof actorOf>[0]) => ({ db: deps.db, clock: deps.clock, actor: actorOf(c) });
  return {
    listGatewayKeys: async (c) => c.json({ keys: await deps.gatewayKeys.list({ actor: actorOf(c) }) }),
    revokeGatewayKey: async (c, { body, params }) => c.json(await deps.gatewayKeys.revoke({ actor: actorOf(c) }, { kid: params.kid, reason: body.reason })),
    listRegulatorUsers: async (c) => c.json({ users: await listRegulatorUsers(ctx(c)) }),
    disableRegulatorUser: async (c, { body, params }) => c.json(await disableRegulatorUser(ctx(c), { userId: params.userId, reason: body.reason })),
    enableRegulatorUser: async (c, { body, params }) => c.json(await enableRegulatorUser(ctx(c), { userId: params.userId, reason: body.reason })),
    resetRegulatorPassword: async (c, { body, params }) =>
      c.json(await resetRegulatorPassword(ctx(c), { userId: params.userId, reason: body.reason, password: body.password }), 200, NO_STORE),
  };
}
