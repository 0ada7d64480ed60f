// What the SDK needs from its environment, injectable so tests need neither a network nor a
// real clock: fetch, the time, sleeping and randomness (for jitter).
import { DEFAULT_RETRY, type RetryPolicy } from "./retry.js";

export type FetchLike = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

export interface Runtime {
  fetch: FetchLike;
  /** Milliseconds since the epoch. */
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  retry: RetryPolicy;
  /** Longest wait for one attempt's answer (ms); a timed-out attempt is retried like a network error. */
  requestTimeoutMs: number;
}

export interface RuntimeOptions {
  fetch?: FetchLike;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  retry?: Partial<RetryPolicy>;
  /** Default 30000. */
  requestTimeoutMs?: number;
}

export function createRuntime(o: RuntimeOptions = {}): Runtime {
  return {
    fetch: o.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    now: o.now ?? Date.now,
    sleep: o.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    random: o.random ?? Math.random,
    retry: { ...DEFAULT_RETRY, ...o.retry },
    requestTimeoutMs: o.requestTimeoutMs ?? 30_000,
  };
}
