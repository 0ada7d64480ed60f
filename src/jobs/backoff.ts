// Retry delays shared by both runners: exponential from the definition's backoffMs with
// "equal jitter" (half fixed, half random), so a burst of failures does not retry in lockstep
// yet never waits longer than the plain exponential delay. Capped (per job, default 6 h) so a
// long retry chain does not park a job for days.

export const DEFAULT_MAX_ATTEMPTS = 8;
export const DEFAULT_BACKOFF_MS = 1000;
export const DEFAULT_TIMEOUT_MS = 5 * 60_000;
export const DEFAULT_MAX_BACKOFF_MS = 6 * 60 * 60_000;

/**
 * Delay before the retry that follows failed attempt number `attempt` (1-based): between half
 * and all of min(backoffMs * 2^(attempt-1), maxBackoffMs).
 */
export function retryDelayMs(backoffMs: number, attempt: number, random: () => number = Math.random, maxBackoffMs = DEFAULT_MAX_BACKOFF_MS): number {
  const full = Math.min(backoffMs * 2 ** Math.max(0, attempt - 1), maxBackoffMs);
  return Math.round(full / 2 + (full / 2) * random());
}
