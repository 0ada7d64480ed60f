// The outbound channel: messages from the gateway to platforms, read through the feed and
// pushed by signed webhooks (wire format: webhook-sender.ts). Other domains publish through
// `publish` / `publishToEntityPlatforms` inside their own transactions.
import type { GatewaySigner } from "../../auth/signer.js";
import type { OutboundPolicy } from "../../http/outbound-address.js";
import type { HostResolver } from "../../http/outbound-request.js";
import type { Handlers } from "../../http/router.js";
import type { JobRegistry } from "../../jobs/registry.js";
import type { ServiceDeps } from "../../services.js";
import { outboundHandlers } from "./handlers.js";
import { createPublish, createPublishToEntityPlatforms } from "./publish.js";
import type { Publish, PublishToEntityPlatforms } from "./types.js";
import { webhookDeliverJob, type WebhookRetryPolicy } from "./webhook-job.js";

export interface OutboundModule {
  handlers: Handlers;
  publish: Publish;
  publishToEntityPlatforms: PublishToEntityPlatforms;
  register(registry: JobRegistry): void;
}

export interface OutboundOptions {
  /** Webhook retry policy (default: 24 tries over about a day, config's WEBHOOK_RETRY_*); tests shorten it. */
  webhookRetry?: WebhookRetryPolicy;
  /** Per-attempt HTTP timeout (default 10 s). */
  webhookTimeoutMs?: number;
  /** Allowed webhook destinations (default: https to public addresses; config's WEBHOOK_ALLOW_*). */
  webhookPolicy?: OutboundPolicy;
  /** Name resolution at send time (default: the system resolver; tests map names to local receivers). */
  resolveHost?: HostResolver;
}

export function createOutbound(deps: ServiceDeps & { signer: GatewaySigner } & Omit<OutboundOptions, "webhookPolicy">): OutboundModule {
  const { db, clock, enqueueMany, kick, signer } = deps;
  const logger = deps.logger.child({ component: "outbound" });
  return {
    handlers: outboundHandlers({ db, clock, enqueueMany, kick }),
    publish: createPublish({ clock, enqueueMany }),
    publishToEntityPlatforms: createPublishToEntityPlatforms({ clock, enqueueMany }),
    register(registry) {
      registry.define(
        webhookDeliverJob({
          db,
          clock,
          signer,
          logger,
          ...(deps.webhookRetry ? { retry: deps.webhookRetry } : {}),
          ...(deps.webhookTimeoutMs ? { timeoutMs: deps.webhookTimeoutMs } : {}),
          policy: deps.webhookPolicy,
          ...(deps.resolveHost ? { resolve: deps.resolveHost } : {}),
        }),
      );
    },
  };
}

export { WEBHOOK_DELIVER_JOB } from "./publish.js";
export type { WebhookRetryPolicy } from "./webhook-job.js";
export { encodeCursor, decodeCursor, type FeedMessage, type FeedPage } from "./feed.js";
