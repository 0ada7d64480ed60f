// Thin HTTP handlers: validated input -> verb -> response.
import type { Context } from "hono";
import type { AppEnv } from "../../http/context.js";
import type { Handlers } from "../../http/router.js";
import { getFeed, listWebhookDeliveries, retryWebhookDelivery, type OutboundVerbContext } from "./verbs.js";

export function outboundHandlers(base: Omit<OutboundVerbContext, "actor">): Handlers {
  const ctx = (c: Context<AppEnv>): OutboundVerbContext => ({ ...base, actor: c.get("principal") });
  return {
    getFeed: async (c, { query }) => c.json(await getFeed(ctx(c), { after: query.after, limit: query.limit })),
    listWebhookDeliveries: async (c, { query }) =>
      c.json({ deliveries: await listWebhookDeliveries(ctx(c), { status: query.status, platformId: query.platformId, limit: query.limit }) }),
    retryWebhookDelivery: async (c, { params }) => c.json(await retryWebhookDelivery(ctx(c), { deliveryId: params.deliveryId }), 202),
  };
}
