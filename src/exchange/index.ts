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
import { createHistoryOps, type HistoryOps } from "./history/index.js";
import type { Publish } from "./outbound/types.js";

export { ingestEvents, type IngestInput } from "./ingest-events.js";
export { ingestMerchants } from "./ingest-merchants.js";
export { getBatch, getEntityStatus } from "./read-entities.js";
export { RESCORE_JOB, rescoreJob } from "./rescore-job.js";
export { RECEIPT_TYP, receiptClaims, type BatchEvidence, type BatchOutcome } from "./batch-store.js";
export type { ExchangeContext, ExchangeDeps, RecordValidators } from "./context.js";
export { MAX_CHUNK_RECORDS, type ChunkInput, type ChunkOutcome, type HistoryLoad, type HistoryOps, type LoadFormat, type LoadRecords } from "./history/index.js";

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
  /** Operators' bulk loads of a platform's history (the CLI's `history load`). */
  history: HistoryOps;
}

/** The spec's record schemas from an already compiled validator (records are checked one by one). */
export function recordValidatorsOf(v: SpecValidator): RecordValidators {
  return { merchant: v.component("MerchantRecord"), event: v.component("EventRecord") };
}

let shared: RecordValidators | undefined;
/** For unit tests that run verbs without an app: the spec compiled once per test process. */
export function specRecordValidators(): RecordValidators {
  shared ??= recordValidatorsOf(new SpecValidator(loadSpec()));
  return shared;
}

/** Recurring exchange work, run by whichever worker holds the schedule (see jobs/schedules.ts). */
export const EXCHANGE_SCHEDULES: readonly ScheduleSpec[] = [
  { name: "idempotency-cleanup", job: IDEMPOTENCY_CLEANUP_JOB, everyMs: 86_400_000, at: "03:30" },
];

export function createExchange(
  deps: ServiceDeps & { signer: GatewaySigner; publish: Publish; validator: SpecValidator },
): ExchangeModule {
  const validators = recordValidatorsOf(deps.validator);
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
    handlers: exchangeHandlers(exchangeDeps, validators),
    afterAuthenticate: rateLimiter.hook,
    aroundHandler,
    register(registry) {
      // classification.rescore is registered by the classification module (src/classification).
      registry.define(idempotencyCleanupJob({ db: deps.db, clock: deps.clock }));
    },
    stop: () => rateLimiter.close(),
    rateLimiter,
    history: createHistoryOps(exchangeDeps, validators),
  };
}
