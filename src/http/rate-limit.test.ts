// Token buckets: refill arithmetic, Retry-After, and the same behaviour from the in-memory
// store and the Redis store (when REDIS_URL is set).
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MemoryBucketStore, RedisBucketStore, takeToken, type BucketStore } from "./rate-limit.js";

const bucket = { capacity: 3, refillPerSecond: 2 };

describe("takeToken", () => {
  it("starts full, empties, and refills at the configured rate", () => {
    let state: { tokens: number; at: number } | undefined;
    const results = [];
    for (let i = 0; i < 4; i++) {
      const r = takeToken(state, bucket, 1000);
      state = r.state;
      results.push(r.result);
    }
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results[3]!.retryAfterMs).toBe(500);
    expect(takeToken(state, bucket, 1499).result.allowed).toBe(false);
    expect(takeToken(state, bucket, 1500).result.allowed).toBe(true);
    // Never above capacity however long it was idle.
    expect(takeToken(state, bucket, 1_000_000).state.tokens).toBe(2);
  });
});

const stores: Array<[string, () => BucketStore]> = [["memory", () => new MemoryBucketStore()]];
if (process.env.REDIS_URL) stores.push(["redis", () => new RedisBucketStore(process.env.REDIS_URL!, `csg-test-rl-${randomBytes(4).toString("hex")}:`)]);

describe.each(stores)("%s store", (_name, make) => {
  it("limits per key and tells when to retry", async () => {
    const store = make();
    try {
      const taken = [];
      for (let i = 0; i < 4; i++) taken.push(await store.take("p1:write", bucket, 10_000));
      expect(taken.map((t) => t.allowed)).toEqual([true, true, true, false]);
      expect(taken[3]!.retryAfterMs).toBe(500);
      expect((await store.take("p2:write", bucket, 10_000)).allowed).toBe(true);
      expect((await store.take("p1:write", bucket, 10_500)).allowed).toBe(true);
      expect((await store.take("p1:write", bucket, 10_500)).allowed).toBe(false);
    } finally {
      await store.close();
    }
  });
});

describe("memory store bound", () => {
  it("keeps at most maxEntries partly used buckets, dropping the least recently used", async () => {
    const store = new MemoryBucketStore(2);
    const one = { capacity: 1, refillPerSecond: 0.001 };
    for (const key of ["a", "b", "c"]) expect((await store.take(key, one, 0)).allowed).toBe(true);
    // "a" was forgotten (a fresh, full bucket); "c" is still empty.
    expect((await store.take("a", one, 0)).allowed).toBe(true);
    expect((await store.take("c", one, 0)).allowed).toBe(false);
  });
});
