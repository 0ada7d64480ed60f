// The platform SDK against the real gateway (HTTP, both backends): discovery and tokens with
// renewal, signed submissions whose receipts verify, duplicates on resend, entity status,
// feed paging with resume, key rotation through signed calls, 429 with Retry-After honoured.
// The gateway runs on a ManualClock that the SDK shares: its "sleep" moves that clock, so
// backoff and token expiry cost no real time.
import { exportJWK, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayClient, GatewayError, type EventRecord, type GatewayClient, type GatewayClientOptions, type MerchantRecord } from "@credit-sandbox/sdk";
import { ACCESS_TOKEN_TTL_SECONDS } from "../src/auth/index.js";
import { ManualClock } from "../src/clock.js";
import { feedCaughtUp } from "../src/exchange/outbound/feed.js";
import { complaint, merchant } from "./exchange-fixtures.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { generateTestKey, onboardPlatform, type OnboardedPlatform, type TestKey } from "./support/platform.js";

let gw: TestGateway;
let clock: ManualClock;
let platform: OnboardedPlatform;
let tokenRequests = 0;
const sleeps: number[] = [];

const privateJwk = async (key: TestKey): Promise<JWK> => ({ ...(await exportJWK(key.privateKey)), kid: key.kid });

async function sdk(p: OnboardedPlatform, extra: Partial<GatewayClientOptions> = {}): Promise<GatewayClient> {
  return createGatewayClient({
    baseUrl: gw.url,
    clientId: p.clientId,
    privateJwk: await privateJwk(p.keys[0]!),
    now: () => clock.now().getTime(),
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
    fetch: (input, init) => {
      if (String(input instanceof Request ? input.url : input).endsWith("/oauth/token")) tokenRequests++;
      return fetch(input, init);
    },
    ...extra,
  });
}

beforeAll(async () => {
  clock = new ManualClock(new Date());
  gw = await startTestGateway({ clock });
  platform = await onboardPlatform(gw, { name: "SDK platform" });
});

afterAll(async () => {
  await gw?.close();
});

const shops = ["sdk-shop-1", "sdk-shop-2", "sdk-shop-3"];
const events = (prefix: string, n: number): EventRecord[] =>
  Array.from({ length: n }, (_, i) => complaint(`${prefix}-${i}`, shops[i % shops.length]!, new Date(clock.now().getTime() - 86_400_000).toISOString()) as EventRecord);

describe("SDK against the gateway", () => {
  let client: GatewayClient;

  it("discovers the gateway and obtains a token with private_key_jwt, reused until near expiry, then renewed", async () => {
    client = await sdk(platform);
    expect((await client.metadata()).token_endpoint).toBe(`${gw.url}/oauth/token`);
    const before = tokenRequests;
    const first = await client.accessToken();
    expect(await client.accessToken()).toBe(first);
    expect(tokenRequests - before).toBe(1);
    clock.advance((ACCESS_TOKEN_TTL_SECONDS - 30) * 1000); // inside the renewal margin
    const second = await client.accessToken();
    expect(second).not.toBe(first);
    expect(tokenRequests - before).toBe(2);
    expect((await client.feed.page({ limit: 1 })).messages).toBeInstanceOf(Array);
  });

  it("submits merchants and events with verified receipts, and a resend reports duplicates", async () => {
    const merchants = await client.submitMerchants(shops.map((s) => merchant(s) as MerchantRecord));
    expect(merchants).toMatchObject({ accepted: 3, rejected: 0 });
    expect(merchants.batches[0]!.verifiedReceipt.bodySha256).toBe(merchants.batches[0]!.bodySha256);

    const batch = events("ev", 5);
    const first = await client.submitEvents(batch);
    expect(first).toMatchObject({ accepted: 5, duplicates: 0, rejected: 0 });
    const receipt = first.batches[0]!.verifiedReceipt;
    expect(receipt).toMatchObject({ batchId: first.batches[0]!.batchId, platformId: platform.platformId, accepted: 5 });

    const again = await client.submitEvents(batch);
    expect(again).toMatchObject({ accepted: 0, duplicates: 5, rejected: 0 });
    expect(again.results.every((r) => r.status === "duplicate")).toBe(true);

    // The gateway kept the evidence: same body hash as the receipt, the key that signed.
    const stored = await client.getBatch(first.batches[0]!.batchId);
    expect(stored).toMatchObject({ bodySha256: first.batches[0]!.bodySha256, kid: platform.keys[0]!.kid, accepted: 5 });

    const entityId = merchants.results[0]!.entityId!;
    expect(await client.getEntity(entityId)).toMatchObject({ entityId, shops: [shops[0]] });
  });

  it("names bad records in a mixed batch and splits a large submission into several batches", async () => {
    const mixed = [...events("mix", 2), { ...events("mix-bad", 1)[0]!, shopId: "no-such-shop" }];
    const out = await client.submitEvents(mixed);
    expect(out).toMatchObject({ accepted: 2, rejected: 1 });
    expect(out.results.find((r) => r.status === "rejected")).toMatchObject({ index: 2, error: { code: "UNKNOWN_SHOP" } });

    const small = await sdk(platform, { batchLimits: { maxRecords: 4 } });
    const split = await small.submitEvents(events("split", 10));
    expect(split.batches).toHaveLength(3);
    expect(split.accepted).toBe(10);
    expect(split.results.map((r) => r.index)).toEqual([...Array(10).keys()]);
  });

  it("pages the feed and resumes from a cursor without gaps or repeats", { timeout: 60_000 }, async () => {
    for (let i = 0; !(await feedCaughtUp(gw.system.deps.db)); i++) {
      // The horizon is cluster-wide on PostgreSQL: other suites' open transactions can hold it a while.
      if (i > 1500) throw new Error("feed horizon did not pass the last write within 30 s");
      await new Promise((r) => setTimeout(r, 20)); // visibility of concurrent commits (PostgreSQL), not time
    }
    const all: string[] = [];
    for await (const page of client.feed.pages({ limit: 50 })) all.push(...page.messages.map((m) => m.id));
    expect(all.length).toBeGreaterThanOrEqual(6); // one batch.processed per batch so far

    const firstTwo: string[] = [];
    let cursor: string | undefined;
    for await (const page of client.feed.pages({ limit: 1 })) {
      firstTwo.push(page.messages[0]!.id);
      cursor = page.nextCursor;
      if (firstTwo.length === 2) break;
    }
    const rest: string[] = [];
    for await (const page of client.feed.pages({ after: cursor!, limit: 2 })) rest.push(...page.messages.map((m) => m.id));
    expect([...firstTwo, ...rest]).toEqual(all);
    expect(await client.feed.page({ after: cursor! })).toMatchObject({ hasMore: expect.any(Boolean) });
  });

  it("honours 429 Retry-After from the rate limiter, retrying with the same idempotency key", async () => {
    gw.system.exchange.rateLimiter.configure({ write: { capacity: 1, refillPerSecond: 0.5 } });
    const keys: string[] = [];
    // A fresh platform: a fresh, small bucket.
    const limitedPlatform = await onboardPlatform(gw, { name: "SDK rate-limited platform" });
    const limited = await sdk(limitedPlatform, { onAttempt: (a) => keys.push(a.headers.get("idempotency-key") ?? "") });
    try {
      sleeps.length = 0;
      const first = await limited.submitMerchants([merchant(shops[0]!) as MerchantRecord]);
      expect(first.accepted).toBe(1);
      const second = await limited.submitEvents(events("rl", 1).map((e) => ({ ...e, shopId: shops[0]! }))); // bucket empty: 429, wait, retry
      expect(second.accepted).toBe(1);
      expect(sleeps).toHaveLength(1);
      expect(sleeps[0]).toBeGreaterThanOrEqual(1000);
      expect(keys).toHaveLength(3);
      expect(keys[1]).toBe(keys[2]);
    } finally {
      gw.system.exchange.rateLimiter.configure({ write: { capacity: 100, refillPerSecond: 50 } });
    }
  });

  it("renews the token once when the gateway answers 401 invalid token", async () => {
    let spoiled = false;
    const c = await sdk(platform, {
      fetch: (input, init) => {
        const url = String(input instanceof Request ? input.url : input);
        if (url.endsWith("/oauth/token")) tokenRequests++;
        if (!spoiled && url.includes("/v1/")) {
          spoiled = true; // e.g. a token from before a gateway key was revoked
          const headers = new Headers(init?.headers);
          headers.set("authorization", "Bearer not-a-valid-token");
          return fetch(input, { ...init, headers });
        }
        return fetch(input, init);
      },
    });
    const before = tokenRequests;
    expect((await c.submitEvents(events("renew", 1))).accepted).toBe(1);
    expect(tokenRequests - before).toBe(2);
  });

  it("rotates its own key through signed calls: register the next key, switch, retire the old one", async () => {
    const next = await generateTestKey("EdDSA");
    const registered = await client.registerKey(await privateJwk(next)); // private members are dropped
    expect(registered).toMatchObject({ kid: next.kid, status: "active" });
    expect(registered.publicJwk).not.toHaveProperty("d");

    const rotated = createGatewayClient({
      baseUrl: gw.url,
      clientId: platform.clientId,
      privateJwk: await privateJwk(next),
      now: () => clock.now().getTime(),
    });
    expect((await rotated.submitEvents(events("rot", 1))).accepted).toBe(1);
    const retired = await rotated.retireKey(platform.keys[0]!.kid, "rotated to the Ed25519 key");
    expect(retired).toMatchObject({ kid: platform.keys[0]!.kid, status: "retired" });
    // The old key no longer signs anything new.
    const old = await sdk(platform);
    const err = await old.submitEvents(events("old", 1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).status).toBe(401);
  });
});
