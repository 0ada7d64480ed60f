// PLACEHOLDER (issue 3, outbound): replaced by the real module.
import type { GatewaySigner } from "../../auth/signer.js";
import { AppError } from "../../http/errors.js";
import type { Handlers } from "../../http/router.js";
import type { JobRegistry } from "../../jobs/registry.js";
import type { ServiceDeps } from "../../services.js";
import type { Publish, PublishToEntityPlatforms } from "./types.js";

export interface OutboundModule {
  handlers: Handlers;
  publish: Publish;
  publishToEntityPlatforms: PublishToEntityPlatforms;
  register(registry: JobRegistry): void;
}

const todo = () => {
  throw new AppError("INTERNAL", "not implemented yet");
};

export function createOutbound(_deps: ServiceDeps & { signer: GatewaySigner }): OutboundModule {
  return {
    handlers: { getFeed: todo, listWebhookDeliveries: todo, retryWebhookDelivery: todo },
    publish: async () => {},
    publishToEntityPlatforms: async () => {},
    register: () => {},
  };
}
