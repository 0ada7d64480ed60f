// Thin HTTP handlers for platform and key management: validated input -> verb -> response.
import type { Context } from "hono";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import type { AppEnv } from "../http/context.js";
import { AppError } from "../http/errors.js";
import type { OutboundPolicy } from "../http/outbound-address.js";
import type { Handlers } from "../http/router.js";
import type { Publish } from "../exchange/outbound/types.js";
import { actorOf } from "./actor.js";
import { reactivatePlatform, suspendPlatform } from "./platform-status.js";
import { addPlatformKey, changePlatformKey, type KeyChangeContext, createPlatform, listOwnKeys, listPlatforms, registerOwnKey, retireOwnKey } from "./platforms.js";

export function platformHandlers(deps: { db: Database; clock: Clock; webhookPolicy: OutboundPolicy; publish: Publish }): Handlers {
  const ctx = (c: Context<AppEnv>): KeyChangeContext => ({ db: deps.db, clock: deps.clock, actor: actorOf(c), webhookPolicy: deps.webhookPolicy, publish: deps.publish });
  return {
    listPlatforms: async (c) => c.json({ platforms: await listPlatforms(ctx(c)) }),
    createPlatform: async (c, { body }) =>
      c.json(await createPlatform(ctx(c), { name: body.name, jwks: body.jwks as never, webhookUrl: body.webhookUrl, scopes: body.scopes }), 201),
    addPlatformKey: async (c, { body, params }) => c.json(await addPlatformKey(ctx(c), { platformId: params.platformId, jwk: body.jwk as never, notAfter: body.notAfter }), 201),
    changePlatformKey: async (c, { body, params }) =>
      c.json(await changePlatformKey(ctx(c), { platformId: params.platformId, kid: params.kid, action: params.action, reason: body.reason })),
    suspendPlatform: async (c, { body, params }) => c.json(await suspendPlatform(ctx(c), { platformId: params.platformId, reason: body.reason })),
    reactivatePlatform: async (c, { body, params }) => c.json(await reactivatePlatform(ctx(c), { platformId: params.platformId, reason: body.reason })),
    listOwnKeys: async (c) => c.json({ keys: await listOwnKeys(ctx(c)) }),
    registerOwnKey: async (c, { body }) => c.json(await registerOwnKey(ctx(c), { jwk: body.jwk as never, notAfter: body.notAfter }), 201),
    retireOwnKey: async (c, { body, params }) => {
      const signingKid = c.get("signature")?.kid;
      if (!signingKid) throw new AppError("INTERNAL", "signed operation without a verified signature");
      return c.json(await retireOwnKey(ctx(c), { kid: params.kid, reason: body.reason, signingKid }));
    },
  };
}
