// A brake on password guessing: every login attempt takes a token from two buckets, one for the
// account named and one for the client's address (its /64 for IPv6). An empty bucket answers
// 429 with Retry-After until it refills, whether or not the account exists (so the brake says
// nothing about which usernames are real). Per account, a guesser spreading over many addresses
// is slowed; per address, one spraying many usernames is. With Redis the buckets are shared by
// every gateway process; without it each process keeps its own, bounded in memory.
import { createHash } from "node:crypto";
import type { Clock } from "../clock.js";
import { addressLimitKey } from "../http/client-address.js";
import { AppError } from "../http/errors.js";
import { MemoryBucketStore, RedisBucketStore, type BucketConfig, type BucketStore } from "../http/rate-limit.js";

export interface LoginLimits {
  perAccount: BucketConfig;
  perAddress: BucketConfig;
}

/** 10 attempts on an account, then one a minute; 30 from an address, then one every 2 s. */
export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  perAccount: { capacity: 10, refillPerSecond: 1 / 60 },
  perAddress: { capacity: 30, refillPerSecond: 1 / 2 },
};

export interface LoginThrottle {
  /** Takes one attempt from both buckets, or throws RATE_LIMITED (429, Retry-After). */
  attempt(username: string, address: string): Promise<void>;
  close(): Promise<void>;
}

export function createLoginThrottle(o: { clock: Clock; redisUrl: string | undefined; redisPrefix: string; limits?: LoginLimits; onStoreError?: (err: Error) => void }): LoginThrottle {
  const limits = o.limits ?? DEFAULT_LOGIN_LIMITS;
  const store: BucketStore = o.redisUrl ? new RedisBucketStore(o.redisUrl, o.redisPrefix) : new MemoryBucketStore(50_000);
  const take = async (key: string, bucket: BucketConfig): Promise<number> => {
    try {
      const r = await store.take(key, bucket, o.clock.now().getTime());
      return r.allowed ? 0 : Math.max(1, Math.ceil(r.retryAfterMs / 1000));
    } catch (err) {
      // As for the platform limits: a cache outage does not lock everyone out; the hashing
      // gate still bounds the work.
      o.onStoreError?.(err as Error);
      return 0;
    }
  };
  return {
    async attempt(username, address) {
      // Usernames are hashed: what someone typed as a username may well be a password.
      const account = createHash("sha256").update(username.normalize("NFKC").toLowerCase()).digest("base64url").slice(0, 22);
      const wait = (await take(`addr:${addressLimitKey(address)}`, limits.perAddress)) || (await take(`acct:${account}`, limits.perAccount));
      if (wait > 0) throw new AppError("RATE_LIMITED", "too many login attempts; try again later", { headers: { "Retry-After": String(wait) } });
    },
    close: () => store.close(),
  };
}
