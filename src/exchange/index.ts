// PLACEHOLDER (issue 3, ingestion): replaced by the real module.
import type { GatewaySigner } from "../auth/signer.js";
import { AppError } from "../http/errors.js";
import type { AfterAuthenticate, AroundHandler, Handlers } from "../http/router.js";
import type { JobRegistry } from "../jobs/registry.js";
import type { ServiceDeps } from "../services.js";
import type { Publish } from "./outbound/types.js";

export interface ExchangeModule {
  handlers: Handlers;
  /** Per-platform rate limits. */
  afterAuthenticate: AfterAuthenticate;
  /** Idempotency-Key replay. */
  aroundHandler: AroundHandler;
  register(registry: JobRegistry): void;
  stop(): Promise<void>;
}

const todo = () => {
  throw new AppError("INTERNAL", "not implemented yet");
};

export function createExchange(_deps: ServiceDeps & { signer: GatewaySigner; publish: Publish }): ExchangeModule {
  return {
    handlers: { postMerchantsBatch: todo, postEventsBatch: todo, getBatch: todo, getEntityStatus: todo, getRegulatorEntity: todo },
    afterAuthenticate: async () => {},
    aroundHandler: (_c, _op, _input, next) => next(),
    register: () => {},
    stop: async () => {},
  };
}
