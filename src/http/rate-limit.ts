// Per-platform rate limits: a token bucket per (platform, class of request). With Redis the
// buckets are shared by every gateway process (one atomic Lua script per request); without
// it each process keeps its own. Only platform principals are limited here; regulators and
// merchants are few and authenticated differently.
//
// If Redis cannot be reached the request is let through (fail open) and a warning logged: a
// cache outage should not become an API outage, and the database still bounds the load.
import type { Context } from "hono";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Clock } from "../clock.js";
import type { AppEnv } from "./context.js";
import { AppError } from "./errors.js";
import type { AfterAuthenticate } from "./router.js";
import type { Operation } from "./spec.js";

export interface BucketConfig {
  /** Tokens the bucket holds when full: the burst allowed. */
  capacity: number;
  /** Tokens added per second. */
  refillPerSecond: number;
}

export interface RateLimitConfig {
  /** Requests with a body (submissions: batches, key registration). */
  write: BucketConfig;
  /** Everything else (status reads, feed, batches). */
  read: BucketConfig;
}

export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  write: { capacity: 100, refillPerSecond: 50 },
  read: { capacity: 200, refillPerSecond: 100 },
};

export interface TakeResult {
  allowed: boolean;
  /** When not allowed: milliseconds until one token is back. */
  retryAfterMs: number;
}

export interface BucketStore {
  take(key: string, bucket: BucketConfig, nowMs: number): Promise<TakeResult>;
  close(): Promise<void>;
}

/** Refill-then-take on one bucket state; shared by the in-memory store and mirrored in Lua. */
export function takeToken(state: { tokens: number; at: number } | undefined, b: BucketConfig, nowMs: number): { state: { tokens: number; at: number }; result: TakeResult } {
  const rate = b.refillPerSecond / 1000;
  let tokens = state?.tokens ?? b.capacity;
  let at = state?.at ?? nowMs;
  if (nowMs > at) {
    tokens = Math.min(b.capacity, tokens + (nowMs - at) * rate);
    at = nowMs;
  }
  if (tokens >= 1) return { state: { tokens: tokens - 1, at }, result: { allowed: true, retryAfterMs: 0 } };
  return { state: { tokens, at }, result: { allowed: false, retryAfterMs: Math.ceil((1 - tokens) / rate) } };
}

export class MemoryBucketStore implements BucketStore {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  /** At most this many partly used buckets; the least recently used goes first (keys a caller chooses must not grow memory). */
  constructor(private readonly maxEntries = 100_000) {}
  async take(key: string, bucket: BucketConfig, nowMs: number): Promise<TakeResult> {
    const { state, result } = takeToken(this.buckets.get(key), bucket, nowMs);
    this.buckets.delete(key);
    // A full bucket carries no information: forget it, so idle platforms cost no memory.
    if (state.tokens < bucket.capacity) {
      if (this.buckets.size >= this.maxEntries) this.buckets.delete(this.buckets.keys().next().value!);
      this.buckets.set(key, state);
    }
    return result;
  }
  async close(): Promise<void> {}
}

// KEYS[1] bucket; ARGV capacity, tokens per ms, now (ms). Returns {allowed, retryAfterMs}.
const TAKE_LUA = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local s = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(s[1]) or capacity
local at = tonumber(s[2]) or now
if now > at then
  tokens = math.min(capacity, tokens + (now - at) * rate)
  at = now
end
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate) + 1000)
return {allowed, wait}
`;

type RedisWithTake = Redis & { takeToken(key: string, capacity: number, rate: number, now: number): Promise<[number, number]> };

export class RedisBucketStore implements BucketStore {
  private readonly redis: RedisWithTake;
  private connectedOnce = false;
  constructor(url: string, private readonly prefix = "csg:ratelimit:") {
    // lazyConnect: no I/O until the first request; one retry so a dead Redis fails fast.
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableAutoPipelining: true });
    redis.defineCommand("takeToken", { numberOfKeys: 1, lua: TAKE_LUA });
    redis.on("error", () => {}); // Reported per request below.
    redis.once("ready", () => (this.connectedOnce = true));
    this.redis = redis as RedisWithTake;
  }
  async take(key: string, bucket: BucketConfig, nowMs: number): Promise<TakeResult> {
    // Connected before and not now: Redis is down. Fail open at once instead of holding the
    // request until the next reconnect attempt fails (up to 2 s each during an outage).
    if (this.connectedOnce && this.redis.status !== "ready") throw new Error(`redis ${this.redis.status}`);
    const [allowed, wait] = await this.redis.takeToken(this.prefix + key, bucket.capacity, bucket.refillPerSecond / 1000, nowMs);
    return { allowed: Number(allowed) === 1, retryAfterMs: Number(wait) };
  }
  async close(): Promise<void> {
    if (this.redis.status === "wait" || this.redis.status === "end") {
      this.redis.disconnect();
      return;
    }
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

export interface RateLimiter {
  hook: AfterAuthenticate;
  /** Replaces the limits (operators; tests use a tiny bucket). */
  configure(limits: Partial<RateLimitConfig>): void;
  close(): Promise<void>;
}

export function createRateLimiter(o: { store: BucketStore; clock: Clock; logger?: Logger; limits?: Partial<RateLimitConfig> }): RateLimiter {
  let limits: RateLimitConfig = { ...DEFAULT_RATE_LIMITS, ...o.limits };
  const hook = async (c: Context<AppEnv>, op: Operation): Promise<void> => {
    const p = c.get("principal");
    if (p?.kind !== "platform") return;
    const cls = op.definition.requestBody ? "write" : "read";
    let result: TakeResult;
    try {
      result = await o.store.take(`${p.platformId}:${cls}`, limits[cls], o.clock.now().getTime());
    } catch (err) {
      (c.get("log") ?? o.logger)?.warn({ err: (err as Error).message }, "rate limit store unavailable; request let through");
      return;
    }
    if (result.allowed) return;
    const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
    throw new AppError("RATE_LIMITED", `too many requests; retry in ${seconds} s`, { headers: { "Retry-After": String(seconds) } });
  };
  return {
    hook,
    configure(next) {
      limits = { ...limits, ...next };
    },
    close: () => o.store.close(),
  };
}
