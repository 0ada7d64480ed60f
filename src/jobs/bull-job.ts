// What the relay hands to Bull for one outbox row, and the retry policy Bull applies to it.
import type Bull from "bull";
import { retryDelayMs } from "./backoff.js";
import type { ResolvedJob } from "./registry.js";

export interface BullJobData {
  outboxId: number;
  payload: unknown;
  /** Attempts already spent on this row before it reached Bull (e.g. by the in-process runner). */
  priorAttempts: number;
}

/** Name of the custom Bull backoff strategy: the same jittered exponential as the in-process runner. */
export const JITTERED_BACKOFF = "outbox-jittered";

export const bullBackoffStrategies = {
  [JITTERED_BACKOFF]: (attemptsMade: number, _err: Error, options?: { backoffMs: number; priorAttempts: number; maxBackoffMs?: number }) =>
    retryDelayMs(options?.backoffMs ?? 1000, (options?.priorAttempts ?? 0) + attemptsMade, Math.random, options?.maxBackoffMs),
};

// Completed jobs are also done rows in the outbox, so Redis keeps only a bounded tail for
// the Bull UI; failed jobs stay until someone looks at them.
const KEEP_COMPLETED = { count: 1000, age: 24 * 3600 };

export function bullJobOptions(
  row: { id: number; runAt: Date; attempts: number; maxAttempts: number },
  definition: ResolvedJob,
  now: Date,
): Bull.JobOptions {
  return {
    // Deterministic: a second relay of the same row is a no-op in Bull.
    jobId: `outbox:${row.id}`,
    delay: Math.max(0, row.runAt.getTime() - now.getTime()),
    attempts: Math.max(1, row.maxAttempts - row.attempts),
    backoff: { type: JITTERED_BACKOFF, options: { backoffMs: definition.backoffMs, priorAttempts: row.attempts, maxBackoffMs: definition.maxBackoffMs } },
    timeout: definition.timeoutMs,
    removeOnComplete: KEEP_COMPLETED,
    removeOnFail: false,
  };
}
