// The exchange module: signed batch ingestion (merchants, events) with receipts, entity status
// for platforms, Idempotency-Key replay and per-platform
// rate limits. The outbound channel (feed, webhooks) lives in ./outbound.
import type { GatewaySigner } from "../auth/signer.js";
import { idempotency, idempotencyCleanupJob, IDEMPOTENCY_CLEANUP_JOB } from "../http/idempotency.js";
import { createRateLimiter, MemoryBucketStore, RedisBucketStore, type RateLimiter } from "../http/rate-limit.js";
import type { AfterAuthenticate, AroundHandler, Handlers } from "../http/router.js";
import { loadSpec } from "../http/spec.js";
import { SpecValidator } from "../http/validation.js";
import type { JobRegistry } from "../jobs/registry.js";
import type { ScheduleSpec } from "../jobs/schedules.js";
import type { ServiceDeps } from "../services.js";
import type { RecordValidators } from "./context.js";
import { exchangeHandlers } from "./handlers.js";
import type { Publish } from "./outbound/types.js";

export { ingestEvents, type IngestInput } from "./ingest-events.js";
export { ingestMerchants } from "./ingest-merchants.js";
export { getBatch, getEntityStatus } from "./read-entities.js";
export { RESCORE_JOB, rescoreJob } from "./rescore-job.js";
export { RECEIPT_TYP, receiptClaims, type BatchEvidence, type BatchOutcome } from "./batch-store.js";
export type { ExchangeContext, ExchangeDeps, RecordValidators } from "./context.js";

export interface ExchangeModule {
  handlers: Handlers;
  /** Per-platform rate limits. */
  afterAuthenticate: AfterAuthenticate;
  /** Idempotency-Key replay. */
  aroundHandler: AroundHandler;
  register(registry: JobRegistry): void;
  stop(): Promise<void>;
  /** The rate limiter behind afterAuthenticate (configure() sets limits; tests use tiny ones). */
  rateLimiter: RateLimiter;
}

let shared: RecordValidators | undefined;
/**
 * The spec's record schemas, compiled once per process on first use (the app compiles its
 * own validator for whole requests; records are checked one by one here).
 */
export function specRecordValidators(): RecordValidators {
  if (!shared) {
    const v = new SpecValidator(loadSpec());
    shared = { merchant: v.component("MerchantRecord"), event: v.component("EventRecord") };
  }
  return shared;
}

/** Recurring exchange work, run by whichever worker holds the schedule (see jobs/schedules.ts). */
export const EXCHANGE_SCHEDULES: readonly ScheduleSpec[] = [
  { name: "idempotency-cleanup", job: IDEMPOTENCY_CLEANUP_JOB, everyMs: 86_400_000, at: "03:30" },
];

export function createExchange(deps: ServiceDeps & { signer: GatewaySigner; publish: Publish }): ExchangeModule {
  const rateLimiter = createRateLimiter({
    store: deps.redisUrl ? new RedisBucketStore(deps.redisUrl) : new MemoryBucketStore(),
    clock: deps.clock,
    logger: deps.logger,
  });
  const aroundHandler = idempotency({
    db: deps.db,
    clock: deps.clock,
  });
  const exchangeDeps = deps;
  return {
    handlers: exchangeHandlers(exchangeDeps, specRecordValidators),
    afterAuthenticate: rateLimiter.hook,
    aroundHandler,
    register(registry) {
      // classification.rescore is registered by the classification module (src/classification).
      registry.define(idempotencyCleanupJob({ db: deps.db, clock: deps.clock }));
    },
    stop: () => rateLimiter.close(),
    rateLimiter,
  };
}
