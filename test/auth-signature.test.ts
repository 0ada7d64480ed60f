// Signed submissions: every X-JWS-Signature failure gets its own 401 code and stores nothing.
// The signed endpoint here is POST /v1/platform/keys (registerOwnKey): a refused call must not
// register the key.
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { compactVerify, createRemoteJWKSet } from "jose";
import { merchant } from "./exchange-fixtures.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { generateTestKey, onboardPlatform, routeOf, signDetachedBody, type OnboardedPlatform } from "./support/platform.js";

const clock = new ManualClock(new Date());
let gw: TestGateway;
let a: OnboardedPlatform;
let b: OnboardedPlatform;
beforeAll(async () => {
  gw = await startTestGateway({ clock });
  a = await onboardPlatform(gw);
  b = await onboardPlatform(gw);
});
afterAll(async () => {
  await gw?.close();
});

async function registration() {
  const next = await generateTestKey("ES256");
  return { kid: next.kid, body: { jwk: next.publicJwk } };
}

async function ownKids(p: OnboardedPlatform): Promise<string[]> {
  const res = await p.get("/v1/platform/keys");
  expect(res.status).toBe(200);
  return ((await res.json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);
}

async function expectRefused(res: Response, code: string, p: OnboardedPlatform, kid: string) {
  const body = (await res.json()) as { code: string; status: number };
  expect(res.status, JSON.stringify(body)).toBe(401);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(body.code).toBe(code);
  expect(await ownKids(p)).not.toContain(kid);
}

const nowS = () => Math.floor(clock.now().getTime() / 1000);
const keysRoute = routeOf("POST", "/v1/platform/keys");

describe("detached JWS over the body", () => {
  it("accepts a valid signature (b64:false over the exact bytes)", async () => {
    const { kid, body } = await registration();
    const res = await a.signedRequest("/v1/platform/keys", body);
    expect(res.status, await res.clone().text()).toBe(201);
    expect(await ownKids(a)).toContain(kid);
  });

  it("missing -> SIGNATURE_MISSING", async () => {
    const { kid, body } = await registration();
    await expectRefused(await a.signedRequest("/v1/platform/keys", body, { headerOverrides: { "x-jws-signature": null } }), "SIGNATURE_MISSING", a, kid);
  });

  it("malformed -> SIGNATURE_MALFORMED (not detached, bad header, b64 true, no kid/iat/jti/htm/htu)", async () => {
    const { kid, body } = await registration();
    const bytes = new TextEncoder().encode(JSON.stringify(body));
    const key = a.keys[0]!;
    const cases = [
      "garbage",
      "a.b.c",
      `${Buffer.from("{not json").toString("base64url")}..c2ln`,
      await signDetachedBody(bytes, key, { ...keysRoute, b64: true, crit: undefined }, nowS()),
      await signDetachedBody(bytes, key, { ...keysRoute, kid: undefined }, nowS()),
      await signDetachedBody(bytes, key, { ...keysRoute, iat: undefined }, nowS()),
      await signDetachedBody(bytes, key, { ...keysRoute, iat: "yesterday" }, nowS()),
      await signDetachedBody(bytes, key, { ...keysRoute, jti: undefined }, nowS()),
      // The route is part of the contract: a signature without it is refused, not waved through.
      await signDetachedBody(bytes, key, { ...keysRoute, htm: undefined }, nowS()),
      await signDetachedBody(bytes, key, { ...keysRoute, htu: undefined }, nowS()),
      await signDetachedBody(bytes, key, { ...keysRoute, htu: "http://gateway.example/v1/platform/keys" }, nowS()),
    ];
    for (const sig of cases) {
      await expectRefused(await a.signedRequest("/v1/platform/keys", body, { headerOverrides: { "x-jws-signature": sig } }), "SIGNATURE_MALFORMED", a, kid);
    }
  });

  it("a key the platform does not have, or another platform's key -> SIGNATURE_UNKNOWN_KEY", async () => {
    const { kid, body } = await registration();
    const unregistered = await generateTestKey("ES256");
    await expectRefused(await a.signedRequest("/v1/platform/keys", body, { signingKey: unregistered }), "SIGNATURE_UNKNOWN_KEY", a, kid);
    // B's real key, with A's token: a platform signs only for itself.
    await expectRefused(await a.signedRequest("/v1/platform/keys", body, { signingKey: b.keys[0]! }), "SIGNATURE_UNKNOWN_KEY", a, kid);
  });

  it("tampered body or wrong key material under a known kid -> SIGNATURE_INVALID", async () => {
    const { kid, body } = await registration();
    const bytes = new TextEncoder().encode(JSON.stringify(body));
    const sig = await signDetachedBody(bytes, a.keys[0]!, keysRoute, nowS());
    const tampered = JSON.stringify(body) + " ";
    await expectRefused(await a.signedRequest("/v1/platform/keys", tampered, { headerOverrides: { "x-jws-signature": sig } }), "SIGNATURE_INVALID", a, kid);
    const impostor = await generateTestKey("ES256", a.keys[0]!.kid);
    await expectRefused(await a.signedRequest("/v1/platform/keys", body, { signingKey: impostor }), "SIGNATURE_INVALID", a, kid);
  });

  it("iat more than 300 s away -> SIGNATURE_STALE (both directions); 300 s is still fine", async () => {
    const { kid, body } = await registration();
    await expectRefused(await a.signedRequest("/v1/platform/keys", body, { header: { iat: nowS() - 301 } }), "SIGNATURE_STALE", a, kid);
    await expectRefused(await a.signedRequest("/v1/platform/keys", body, { header: { iat: nowS() + 301 } }), "SIGNATURE_STALE", a, kid);
    expect((await a.signedRequest("/v1/platform/keys", body, { header: { iat: nowS() - 300 } })).status).toBe(201);
  });

  it("a jti seen before -> SIGNATURE_REPLAYED; a forged signature does not burn the jti", async () => {
    const jti = randomUUID();
    const first = await registration();
    // The forgery with this jti fails on the signature and records nothing...
    const impostor = await generateTestKey("ES256", a.keys[0]!.kid);
    await expectRefused(await a.signedRequest("/v1/platform/keys", first.body, { signingKey: impostor, header: { jti } }), "SIGNATURE_INVALID", a, first.kid);
    // ...so the real platform can still use it once,
    expect((await a.signedRequest("/v1/platform/keys", first.body, { header: { jti } })).status).toBe(201);
    // and never twice (the exact same signed request replayed, or the jti on a new body).
    const second = await registration();
    await expectRefused(await a.signedRequest("/v1/platform/keys", second.body, { header: { jti } }), "SIGNATURE_REPLAYED", a, second.kid);
    // The same jti from another platform is that platform's business.
    expect((await b.signedRequest("/v1/platform/keys", second.body, { header: { jti } })).status).toBe(201);
  });

  it("replays stay refused until the signature's window has passed", async () => {
    const jti = randomUUID();
    const one = await registration();
    expect((await a.signedRequest("/v1/platform/keys", one.body, { header: { jti } })).status).toBe(201);
    clock.advance(250_000);
    const two = await registration();
    const iat = nowS();
    await expectRefused(await a.signedRequest("/v1/platform/keys", two.body, { header: { jti, iat } }), "SIGNATURE_REPLAYED", a, two.kid);
    clock.advance(100_000);
  });

  it("a signature made for one route is refused on another -> SIGNATURE_ROUTE_MISMATCH, and stays good for its own", async () => {
    const batches = async () => (await gw.system.deps.db.rows<{ n: number }>(sql`select count(*)::int as n from batch where platform_id = ${b.platformId}`))[0]!.n;
    const before = await batches();
    // A merchants batch, signed for POST /v1/merchants/batch, captured and sent to the events batch
    // (same {"records":[...]} envelope: without the route bound, it would be stored as an events batch).
    const body = JSON.stringify({ records: [merchant(`route-${randomUUID()}`)] });
    const sig = await signDetachedBody(new TextEncoder().encode(body), b.keys[0]!, routeOf("POST", "/v1/merchants/batch"), nowS());
    const elsewhere = await b.signedRequest("/v1/events/batch", body, { headerOverrides: { "x-jws-signature": sig } });
    const problem = (await elsewhere.json()) as { code: string; status: number };
    expect(elsewhere.status, JSON.stringify(problem)).toBe(401);
    expect(elsewhere.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(problem.code).toBe("SIGNATURE_ROUTE_MISMATCH");
    // Another method on the same path, and the same path with a query string signed in.
    const { kid, body: reg } = await registration();
    const regBytes = new TextEncoder().encode(JSON.stringify(reg));
    for (const header of [routeOf("PUT", "/v1/platform/keys"), { htm: "POST", htu: "/v1/platform/keys?x=1" }, routeOf("POST", "/v1/platform/keys/")]) {
      await expectRefused(await b.signedRequest("/v1/platform/keys", reg, { headerOverrides: { "x-jws-signature": await signDetachedBody(regBytes, b.keys[0]!, header, nowS()) } }), "SIGNATURE_ROUTE_MISMATCH", b, kid);
    }
    expect(await batches()).toBe(before);
    // The refusal came before the jti was recorded: the request it was made for still goes through.
    const own = await b.signedRequest("/v1/merchants/batch", body, { headerOverrides: { "x-jws-signature": sig } });
    expect(own.status, await own.clone().text()).toBeLessThan(300);
    expect(await batches()).toBe(before + 1);
  });

  it("EdDSA and Ed25519 platform keys sign bodies too", async () => {
    const ed = await onboardPlatform(gw, { alg: "EdDSA" });
    const { body } = await registration();
    expect((await ed.signedRequest("/v1/platform/keys", body)).status).toBe(201);
    const again = await registration();
    expect((await ed.signedRequest("/v1/platform/keys", again.body, { header: { alg: "Ed25519" } })).status).toBe(201);
  });

  it("on the batch endpoint: each failure stores no batch row; a valid one keeps signature and kid as evidence, receipt verifies", async () => {
    const batches = async () => (await gw.system.deps.db.rows<{ n: number }>(sql`select count(*)::int as n from batch where platform_id = ${a.platformId}`))[0]!.n;
    const body = JSON.stringify({ records: [merchant(`shop-${randomUUID()}`)] });
    const bytes = new TextEncoder().encode(body);
    const good = await signDetachedBody(bytes, a.keys[0]!, routeOf("POST", "/v1/merchants/batch"), nowS());
    const impostor = await generateTestKey("ES256", a.keys[0]!.kid);
    const failures: Array<[string, Parameters<OnboardedPlatform["signedRequest"]>[2]]> = [
      ["SIGNATURE_MISSING", { headerOverrides: { "x-jws-signature": null } }],
      ["SIGNATURE_MALFORMED", { headerOverrides: { "x-jws-signature": "nope" } }],
      ["SIGNATURE_UNKNOWN_KEY", { signingKey: b.keys[0]! }],
      ["SIGNATURE_INVALID", { signingKey: impostor }],
      ["SIGNATURE_STALE", { header: { iat: nowS() - 600 } }],
      ["SIGNATURE_ROUTE_MISMATCH", { header: routeOf("POST", "/v1/events/batch") }],
    ];
    for (const [code, options] of failures) {
      const res = await a.signedRequest("/v1/merchants/batch", body, options);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { code: string }).code).toBe(code);
    }
    const ok = await a.signedRequest("/v1/merchants/batch", body, { headerOverrides: { "x-jws-signature": good } });
    expect(ok.status, await ok.clone().text()).toBeLessThan(300);
    const replay = await a.signedRequest("/v1/merchants/batch", body, { headerOverrides: { "x-jws-signature": good } });
    expect(((await replay.json()) as { code: string }).code).toBe("SIGNATURE_REPLAYED");
    expect(await batches()).toBe(1);
    const [row] = await gw.system.deps.db.rows<{ signature: string; kid: string }>(sql`select signature, kid from batch where platform_id = ${a.platformId}`);
    expect(row).toEqual({ signature: good, kid: a.keys[0]!.kid });
    const { receipt } = (await ok.json()) as { receipt: string };
    await compactVerify(receipt, createRemoteJWKSet(new URL(`${gw.url}/.well-known/jwks.json`)));
  });
});
