// The client against a fake gateway held in a fetch function: no network, no real clock, no
// sleeping. The fake checks what a real gateway checks (assertion, detached signature over
// the received bytes) and can be scripted to refuse attempts.
import { createHash, randomUUID } from "node:crypto";
import { CompactSign, exportJWK, flattenedVerify, generateKeyPair, jwtVerify, type CryptoKey, type JWK } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createGatewayClient, type EventRecord, type GatewayClientOptions } from "./client.js";
import { GatewayError, ReceiptError } from "./errors.js";
import type { FetchLike } from "./runtime.js";

const BASE = "https://gw.test";
const CLIENT_ID = "client-abc";

interface Seen {
  method: string;
  path: string;
  headers: Headers;
  body: Uint8Array | undefined;
}

type Scripted = Response | "network";

class FakeGateway {
  seen: Seen[] = [];
  tokensIssued = 0;
  jtis = new Set<string>();
  /** Answers for the next API attempts, before the normal one. */
  script: Scripted[] = [];
  tokenLifetimeS = 300;
  validTokens = new Set<string>();
  receiptBodyHash: ((actual: string) => string) | undefined;
  nowMs = Date.parse("2025-06-01T00:00:00Z");

  constructor(
    readonly platformPublic: CryptoKey,
    readonly gatewayPrivate: CryptoKey,
    readonly gatewayJwk: JWK,
  ) {}

  fetch: FetchLike = async (input, init) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    const headers = new Headers(init?.headers);
    const body = init?.body ? new Uint8Array(init.body instanceof Uint8Array ? init.body : new TextEncoder().encode(String(init.body))) : undefined;
    const method = init?.method ?? "GET";
    if (url.pathname === "/.well-known/oauth-authorization-server") {
      return json({ issuer: BASE, token_endpoint: `${BASE}/oauth/token`, jwks_uri: `${BASE}/.well-known/jwks.json` });
    }
    if (url.pathname === "/.well-known/jwks.json") return json({ keys: [this.gatewayJwk] });
    if (url.pathname === "/oauth/token") return this.token(new URLSearchParams(new TextDecoder().decode(body)));
    this.seen.push({ method, path: url.pathname + url.search, headers, body });
    const next = this.script.shift();
    if (next === "network") throw new TypeError("fetch failed");
    if (next) return next;
    const token = headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
    if (!this.validTokens.has(token)) return json({ code: "TOKEN_INVALID", detail: "expired", requestId: "r-401" }, 401);
    if (body) {
      const [p, , s] = headers.get("x-jws-signature")!.split(".");
      await flattenedVerify({ protected: p!, payload: body, signature: s! }, this.platformPublic);
    }
    if (url.pathname === "/v1/events/batch" || url.pathname === "/v1/merchants/batch") {
      const records = (JSON.parse(new TextDecoder().decode(body)) as { records: unknown[] }).records;
      const batchId = randomUUID();
      const sha = createHash("sha256").update(body!).digest("hex");
      const payload = { batchId, platformId: "p1", bodySha256: this.receiptBodyHash?.(sha) ?? sha, accepted: records.length, rejected: 0, receivedAt: new Date(this.nowMs).toISOString() };
      const receipt = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: "ES256", kid: this.gatewayJwk.kid! }).sign(this.gatewayPrivate);
      const results = records.map((_, index) => ({ index, status: "accepted" }));
      return json({ batchId, receivedAt: payload.receivedAt, accepted: records.length, duplicates: 0, rejected: 0, results, receipt });
    }
    if (url.pathname === "/v1/feed") {
      const after = Number(url.searchParams.get("after") ?? "0");
      const limit = Number(url.searchParams.get("limit") ?? "2");
      const total = 5;
      const ids = Array.from({ length: Math.max(0, Math.min(limit, total - after)) }, (_, i) => after + i + 1);
      const messages = ids.map((n) => ({ cursor: String(n), id: `m${n}`, type: "batch.processed", createdAt: "2025-06-01T00:00:00Z", data: {} }));
      return json({ messages, nextCursor: String(after + ids.length), hasMore: after + ids.length < total });
    }
    return json({ code: "NOT_FOUND", detail: "no route", requestId: "r-404" }, 404);
  };

  private async token(form: URLSearchParams): Promise<Response> {
    try {
      const { payload, protectedHeader } = await jwtVerify(form.get("client_assertion")!, this.platformPublic, {
        issuer: CLIENT_ID,
        subject: CLIENT_ID,
        audience: `${BASE}/oauth/token`,
        currentDate: new Date(this.nowMs),
      });
      expect(protectedHeader.kid).toBe("platform-key-1");
      expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);
      if (this.jtis.has(payload.jti!)) return json({ error: "invalid_client", error_description: "jti replayed" }, 401);
      this.jtis.add(payload.jti!);
    } catch (err) {
      return json({ error: "invalid_client", error_description: (err as Error).message }, 401);
    }
    const token = `tok-${++this.tokensIssued}`;
    this.validTokens.add(token);
    return json({ access_token: token, token_type: "Bearer", expires_in: this.tokenLifetimeS, scope: form.get("scope") ?? "events:write" });
  }
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

let platformJwk: JWK;
let gw: FakeGateway;
let sleeps: number[];

beforeAll(async () => {
  const platform = await generateKeyPair("ES256", { extractable: true });
  platformJwk = { ...(await exportJWK(platform.privateKey)), kid: "platform-key-1" };
  const gateway = await generateKeyPair("ES256", { extractable: true });
  gw = new FakeGateway(platform.publicKey, gateway.privateKey, { ...(await exportJWK(gateway.publicKey)), kid: "gw-1", alg: "ES256" });
});

function client(extra: Partial<GatewayClientOptions> = {}) {
  gw.seen = [];
  gw.script = [];
  sleeps = [];
  return createGatewayClient({
    baseUrl: BASE,
    clientId: CLIENT_ID,
    privateJwk: platformJwk,
    fetch: gw.fetch,
    now: () => gw.nowMs,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...extra,
  });
}

const events = (n: number): EventRecord[] => Array.from({ length: n }, (_, i) => ({ eventId: `e${i}`, shopId: "s1", kind: "complaint", occurredAt: "2025-05-01T00:00:00Z", data: { channel: "platform", reason: "late 送货" } }));

describe("signing", () => {
  it("signs exactly the bytes it sends, with a detached b64=false JWS and a fresh jti/iat", async () => {
    const c = client();
    const out = await c.submitEvents(events(3));
    expect(out.accepted).toBe(3);
    const sent = gw.seen[0]!;
    const signature = sent.headers.get("x-jws-signature")!;
    const [p, middle] = signature.split(".");
    expect(middle).toBe("");
    const header = JSON.parse(Buffer.from(p!, "base64url").toString()) as Record<string, unknown>;
    // Bound to the request it was made for: method and path (htm, htu).
    expect(header).toMatchObject({ alg: "ES256", kid: "platform-key-1", b64: false, crit: ["b64"], iat: Math.floor(gw.nowMs / 1000), htm: "POST", htu: "/v1/events/batch" });
    expect(typeof header.jti).toBe("string");
    // The receipt's hash is the hash of the bytes on the wire.
    expect(out.batches[0]!.bodySha256).toBe(createHash("sha256").update(sent.body!).digest("hex"));
    expect(JSON.parse(new TextDecoder().decode(sent.body))).toEqual({ records: events(3) });
    expect(sent.headers.get("idempotency-key")).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent.headers.get("content-type")).toBe("application/json");
  });

  it("signs the path the gateway receives when baseUrl has a prefix a proxy strips", async () => {
    const viaProxy: FetchLike = (input, init) => gw.fetch(String(input instanceof Request ? input.url : input).replace(`${BASE}/gateway/`, `${BASE}/`), init);
    const c = client({ baseUrl: `${BASE}/gateway`, fetch: viaProxy });
    expect((await c.submitMerchants([{ shopId: "s1", name: "n", entityType: "enterprise", regionCode: "510104", address: "a", category: "food" }])).accepted).toBe(1);
    const [p] = gw.seen[0]!.headers.get("x-jws-signature")!.split(".");
    expect(JSON.parse(Buffer.from(p!, "base64url").toString())).toMatchObject({ htm: "POST", htu: "/v1/merchants/batch" });
  });

  it("signs bodies of the other calls (key registration) and never sends private key members", async () => {
    const c = client();
    await expect(c.registerKey({ ...platformJwk, kid: "next" })).rejects.toBeInstanceOf(GatewayError); // fake has no route
    const sent = gw.seen[0]!;
    const body = JSON.parse(new TextDecoder().decode(sent.body)) as { jwk: JWK };
    expect(body.jwk.d).toBeUndefined();
    expect(body.jwk.kid).toBe("next");
    expect(sent.headers.get("x-jws-signature")).toMatch(/^[\w-]+\.\.[\w-]+$/);
  });

  it("splits more records than a batch holds into several verified batches, indexes in caller order", async () => {
    const c = client({ batchLimits: { maxRecords: 4 } });
    const out = await c.submitEvents(events(10), { idempotencyKey: "sub-1" });
    expect(out.batches).toHaveLength(3);
    expect(out.results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(gw.seen.map((s) => s.headers.get("idempotency-key"))).toEqual(["sub-1", "sub-1.1", "sub-1.2"]);
  });

  it("refuses a receipt that names another body", async () => {
    const c = client();
    gw.receiptBodyHash = () => "0".repeat(64);
    try {
      await expect(c.submitEvents(events(1))).rejects.toMatchObject({ name: "ReceiptError", code: "RECEIPT_MISMATCH" });
    } finally {
      gw.receiptBodyHash = undefined;
    }
  });

  it("refuses a receipt signed by a key outside the gateway JWKS", async () => {
    const c = client();
    const other = await generateKeyPair("ES256");
    const forged = await new CompactSign(new TextEncoder().encode("{}")).setProtectedHeader({ alg: "ES256", kid: "gw-1" }).sign(other.privateKey);
    await expect(c.verifyReceipt(forged)).rejects.toBeInstanceOf(ReceiptError);
  });
});

describe("receipts while the gateway restarts", () => {
  /** gw.fetch, but the key set request fails `failures` times first (the gateway went away). */
  const jwksFailing = (failures: number): FetchLike => async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (url.endsWith("/.well-known/jwks.json") && failures-- > 0) throw new TypeError("fetch failed");
    return gw.fetch(input, init);
  };

  it("retries the key set fetch like any call and then verifies the receipt", async () => {
    const c = client({ fetch: jwksFailing(2) });
    const out = await c.submitEvents(events(2), { idempotencyKey: "k-jwks" });
    expect(out.accepted).toBe(2);
    expect(out.batches[0]!.verifiedReceipt.accepted).toBe(2);
  });

  it("reports a key set it cannot fetch as NETWORK_ERROR (send again), never as an invalid receipt", async () => {
    const c = client({ fetch: jwksFailing(100), retry: { retries: 1 } });
    const err = await c.submitEvents(events(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ status: 0, code: "NETWORK_ERROR" });
  });
});

describe("tokens", () => {
  it("reuses a token, renews it before expiry with a new assertion, and renews once on invalid_token", async () => {
    const c = client();
    const before = gw.tokensIssued;
    await c.submitEvents(events(1));
    await c.submitEvents(events(1));
    expect(gw.tokensIssued - before).toBe(1);
    gw.nowMs += 250_000; // inside the last fifth of a 300 s token
    await c.submitEvents(events(1));
    expect(gw.tokensIssued - before).toBe(2);
    gw.validTokens.clear(); // e.g. the gateway's key was rotated and revoked
    const out = await c.submitEvents(events(1));
    expect(out.accepted).toBe(1);
    expect(gw.tokensIssued - before).toBe(3);
  });

  it("reports a refused client as a GatewayError with the OAuth error code", async () => {
    const wrong = await generateKeyPair("ES256", { extractable: true });
    const c = client({ privateJwk: { ...(await exportJWK(wrong.privateKey)), kid: "platform-key-1" } });
    await expect(c.accessToken()).rejects.toMatchObject({ name: "GatewayError", status: 401, code: "invalid_client" });
  });
});

describe("retries", () => {
  it("honours Retry-After on 429, backs off on 503 and network errors, same idempotency key, new signature", async () => {
    const c = client();
    gw.script = [json({ code: "RATE_LIMITED" }, 429, { "retry-after": "2" }), json({ code: "UNAVAILABLE" }, 503), "network"];
    const out = await c.submitEvents(events(2));
    expect(out.accepted).toBe(2);
    expect(gw.seen).toHaveLength(4);
    expect(new Set(gw.seen.map((s) => s.headers.get("idempotency-key"))).size).toBe(1);
    const jtis = gw.seen.map((s) => (JSON.parse(Buffer.from(s.headers.get("x-jws-signature")!.split(".")[0]!, "base64url").toString()) as { jti: string }).jti);
    expect(new Set(jtis).size).toBe(4);
    expect(new Set(gw.seen.map((s) => Buffer.from(s.body!).toString("hex"))).size).toBe(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(2000);
    expect(sleeps).toHaveLength(3);
  });

  it("gives up after the bounded number of retries with the last answer", async () => {
    const c = client({ retry: { retries: 2 } });
    gw.script = [json({ code: "UNAVAILABLE" }, 503), json({ code: "UNAVAILABLE" }, 503), json({ code: "UNAVAILABLE", requestId: "r-3" }, 503)];
    await expect(c.submitEvents(events(1))).rejects.toMatchObject({ status: 503, code: "UNAVAILABLE", requestId: "r-3" });
    expect(gw.seen).toHaveLength(3);
  });

  it("does not wait for a Retry-After beyond its cap, and never retries a 4xx", async () => {
    const c = client({ retry: { maxRetryAfterMs: 1000 } });
    gw.script = [json({ code: "RATE_LIMITED" }, 429, { "retry-after": "120" })];
    await expect(c.submitEvents(events(1))).rejects.toMatchObject({ status: 429 });
    expect(sleeps).toEqual([]);
    gw.script = [json({ code: "VALIDATION_FAILED", detail: "bad" }, 400)];
    await expect(c.submitEvents(events(1))).rejects.toMatchObject({ status: 400, code: "VALIDATION_FAILED" });
  });

  it("times out an attempt that gets no answer and retries it under the same idempotency key", async () => {
    let calls = 0;
    const hanging: FetchLike = (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.endsWith("/v1/events/batch") && calls++ === 0) {
        return new Promise((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason)));
      }
      return gw.fetch(input, init);
    };
    const c = client({ fetch: hanging, requestTimeoutMs: 50 });
    expect((await c.submitEvents(events(1))).accepted).toBe(1);
    expect(calls).toBe(2);
    expect(gw.seen).toHaveLength(1); // the hung attempt never reached the fake
  });

  it("reports a network failure after the last retry as NETWORK_ERROR", async () => {
    const c = client({ retry: { retries: 1 } });
    gw.script = ["network", "network"];
    await expect(c.getBatch(randomUUID())).rejects.toMatchObject({ status: 0, code: "NETWORK_ERROR" });
  });
});

describe("feed", () => {
  it("pages from a cursor to the end and resumes without gaps or repeats", async () => {
    const c = client();
    const ids: string[] = [];
    let cursor: string | undefined;
    for await (const page of c.feed.pages({ limit: 2 })) {
      ids.push(...page.messages.map((m) => m.id));
      cursor = page.nextCursor;
      if (ids.length === 2) break;
    }
    for await (const page of c.feed.pages({ after: cursor!, limit: 2 })) ids.push(...page.messages.map((m) => m.id));
    expect(ids).toEqual(["m1", "m2", "m3", "m4", "m5"]);
    const last = await c.feed.page({ after: "5" });
    expect(last).toMatchObject({ messages: [], hasMore: false, nextCursor: "5" });
  });
});
