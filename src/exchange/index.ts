// The exchange module: signed batch ingestion (merchants, events) with receipts, entity status
// for platforms, the regulator's basic entity profile, Idempotency-Key replay and per-platform
// rate limits. The outbound channel (feed, webhooks) lives in ./outbound.
import type { GatewaySigner } from "../auth/signer.js";
import type { Executor } from "../db/client.js";
import { idempotency, idempotencyCleanupJob, IDEMPOTENCY_CLEANUP_JOB } from "../http/idempotency.js";
import { createRateLimiter, MemoryBucketStore, RedisBucketStore, type RateLimiter } from "../http/rate-limit.js";
import type { AfterAuthenticate, AroundHandler, Handlers } from "../http/router.js";
import { loadSpec } from "../http/spec.js";
import { SpecValidator } from "../http/validation.js";
import type { JobRegistry } from "../jobs/registry.js";
import type { ServiceDeps } from "../services.js";
import type { RecordValidators } from "./context.js";
import { exchangeHandlers } from "./handlers.js";
import type { Publish } from "./outbound/types.js";
import { enqueueRescores, RESCORE_JOB, rescoreJob } from "./rescore-job.js";

export { ingestEvents, type IngestInput } from "./ingest-events.js";
export { ingestMerchants } from "./ingest-merchants.js";
export { getBatch, getEntityStatus, getRegulatorEntity } from "./read-entities.js";
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

export function createExchange(deps: ServiceDeps & { signer: GatewaySigner; publish: Publish }): ExchangeModule {
  const rateLimiter = createRateLimiter({
    store: deps.redisUrl ? new RedisBucketStore(deps.redisUrl) : new MemoryBucketStore(),
    clock: deps.clock,
    logger: deps.logger,
  });
  const aroundHandler = idempotency({
    db: deps.db,
    clock: deps.clock,
    // Expired records are deleted by a job enqueued at most once a day per process (coalesced).
    onDailyCleanup: () => {
      void deps
        .enqueue(deps.db.orm, IDEMPOTENCY_CLEANUP_JOB, {}, { dedupKey: IDEMPOTENCY_CLEANUP_JOB })
        .then(() => deps.kick())
        .catch((err: unknown) => deps.logger.warn({ err }, "could not enqueue the idempotency cleanup"));
    },
  });
  let registered: JobRegistry | undefined;
  const exchangeDeps = {
    ...deps,
    enqueueRescores: async (on: Executor, ids: ReadonlySet<string>) => {
      const maxAttempts = registered?.require(RESCORE_JOB).maxAttempts;
      if (maxAttempts === undefined) throw new Error("exchange.register(registry) must run before ingestion");
      await enqueueRescores(on, ids, { now: deps.clock.now(), maxAttempts });
    },
  };
  return {
    handlers: exchangeHandlers(exchangeDeps, specRecordValidators),
    afterAuthenticate: rateLimiter.hook,
    aroundHandler,
    register(registry) {
      registered = registry;
      registry.define(rescoreJob());
      registry.define(idempotencyCleanupJob({ db: deps.db, clock: deps.clock }));
    },
    stop: () => rateLimiter.close(),
    rateLimiter,
  };
}
