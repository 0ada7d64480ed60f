// When to try a call again, and how long to wait. Only answers that mean "not done, try later"
// are retried (408 body too slow, 429, 502/503/504, a 409 idempotency-in-flight, or no answer at all); every retry
// of a POST carries the same Idempotency-Key, so the gateway never applies a call twice.

export interface RetryPolicy {
  /** Extra attempts after the first (default 3). */
  retries: number;
  /** Base of the exponential backoff in ms (default 250): attempt n waits up to base * 2^n. */
  baseDelayMs: number;
  /** Cap of one backoff wait in ms (default 8000). */
  maxDelayMs: number;
  /** A Retry-After longer than this (ms, default 60000) is not waited for: the call fails instead. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseDelayMs: 250, maxDelayMs: 8000, maxRetryAfterMs: 60_000 };

const RETRYABLE_STATUS = new Set([408, 429, 502, 503, 504]);

/** Whether this answer is worth another attempt (a 409 only when the problem says in-flight). */
export function isRetryableStatus(status: number, problemCode: string | undefined): boolean {
  return RETRYABLE_STATUS.has(status) || (status === 409 && problemCode === "IDEMPOTENCY_IN_FLIGHT");
}

/** Retry-After in ms: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined if absent or bad. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * The wait before retry number `attempt` (0-based): "full jitter" exponential backoff, so many
 * clients refused at once do not come back at once; at least what Retry-After asked for.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  const jittered = Math.round(random() * ceiling);
  if (retryAfterMs === undefined) return jittered;
  // The server's word is a floor; a little jitter on top spreads the herd.
  return retryAfterMs + Math.round(random() * Math.min(ceiling, 1000));
}
