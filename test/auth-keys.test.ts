// Key lifecycle through HTTP: platform key rotation (overlap, retire, revoke), the platform's
// own key calls, and the gateway's JWKS across a gateway key rotation.
import { createRemoteJWKSet, jwtVerify, compactVerify, flattenedVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changePlatformKey } from "../src/auth/index.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { generateTestKey, loginRegulator, onboardPlatform } from "./support/platform.js";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw?.close();
});

const cli = () => ({ db: gw.system.deps.db, clock: gw.system.deps.clock, actor: { kind: "cli" as const }, publish: gw.system.outbound.publish });

async function keysOf(token: string) {
  const res = await gw.fetch("/v1/platform/keys", { headers: { authorization: `Bearer ${token}` } });
  return ((await res.json()) as { keys: Array<{ kid: string; status: string }> }).keys;
}

describe("platform key rotation", () => {
  it("registers the next key with a signed call; both keys work during the overlap; then the old one is retired", async () => {
    const p = await onboardPlatform(gw);
    const old = p.keys[0]!;
    const next = await generateTestKey("EdDSA");
    const reg = await p.signedRequest("/v1/platform/keys", { jwk: next.publicJwk });
    expect(reg.status).toBe(201);
    expect(await reg.json()).toMatchObject({ kid: next.kid, alg: "EdDSA", status: "active" });
    p.keys.push(next);

    // Overlap: both keys get tokens and sign bodies.
    for (const key of [old, next]) {
      const t = await gw.fetch("/oauth/token", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
          client_assertion: await p.assertion({ key }),
        }),
      });
      expect(t.status).toBe(200);
      const probe = await generateTestKey();
      expect((await p.signedRequest("/v1/platform/keys", { jwk: probe.publicJwk }, { kid: key.kid })).status).toBe(201);
    }

    // Retiring the key that signs the very request is refused: sign with the successor.
    const self = await p.signedRequest(`/v1/platform/keys/${encodeURIComponent(old.kid)}/retire`, { reason: "rotation" }, { kid: old.kid });
    expect(self.status).toBe(409);
    const tokenBefore = await p.token();
    const retire = await p.signedRequest(`/v1/platform/keys/${encodeURIComponent(old.kid)}/retire`, { reason: "rotation" }, { kid: next.kid });
    expect(retire.status).toBe(200);
    expect(await retire.json()).toMatchObject({ kid: old.kid, status: "retired" });

    // Retired: signs nothing new, but a token obtained earlier still works until it expires.
    const probe = await generateTestKey();
    const refused = await p.signedRequest("/v1/platform/keys", { jwk: probe.publicJwk }, { kid: old.kid });
    expect(((await refused.json()) as { code: string }).code).toBe("SIGNATURE_UNKNOWN_KEY");
    expect((await keysOf(tokenBefore)).find((k) => k.kid === old.kid)?.status).toBe("retired");
    await expect(p.assertion({ key: old }).then((a) => tokenWith(a))).resolves.toBe(401);
  });

  it("a revoked key fails at once, for assertions and body signatures", async () => {
    const p = await onboardPlatform(gw, { keyCount: 2 });
    const [k1, k2] = p.keys as [typeof p.keys[0], typeof p.keys[0]];
    const probe = await generateTestKey();
    expect((await p.signedRequest("/v1/platform/keys", { jwk: probe.publicJwk }, { kid: k2.kid })).status).toBe(201);
    await changePlatformKey(cli(), { platformId: p.platformId, kid: k2.kid, action: "revoke", reason: "leaked" });
    const probe2 = await generateTestKey();
    const res = await p.signedRequest("/v1/platform/keys", { jwk: probe2.publicJwk }, { kid: k2.kid });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe("SIGNATURE_UNKNOWN_KEY");
    expect(await tokenWith(await p.assertion({ key: k2 }))).toBe(401);
    expect(await tokenWith(await p.assertion({ key: k1 }))).toBe(200);
  });

  it("cannot retire its last active key, nor an unknown one; kids must be new", async () => {
    const p = await onboardPlatform(gw, { keyCount: 2 });
    const [k1, k2] = p.keys as [typeof p.keys[0], typeof p.keys[0]];
    await changePlatformKey(cli(), { platformId: p.platformId, kid: k2.kid, action: "revoke", reason: "test" });
    // k1 is the last active key; retiring it must be signed by another active key, and there is none.
    const res = await p.signedRequest(`/v1/platform/keys/${encodeURIComponent(k1.kid)}/retire`, { reason: "x" }, { kid: k1.kid });
    expect(res.status).toBe(409);
    expect((await p.signedRequest("/v1/platform/keys/nope/retire", { reason: "x" })).status).toBe(404);
    const dup = await p.signedRequest("/v1/platform/keys", { jwk: k1.publicJwk });
    expect(dup.status).toBe(409);
  });

  it("refuses private keys and unsupported key types", async () => {
    const p = await onboardPlatform(gw);
    const key = await generateTestKey();
    const { exportJWK } = await import("jose");
    const priv = { ...(await exportJWK(key.privateKey)), kid: "has-d" };
    const withD = await p.signedRequest("/v1/platform/keys", { jwk: priv });
    expect(withD.status).toBe(400);
    const rsa = await p.signedRequest("/v1/platform/keys", { jwk: { kty: "RSA", kid: "rsa", n: "AQAB", e: "AQAB" } });
    expect(rsa.status).toBe(400);
  });

  it("a token lacking keys:write cannot register keys (403)", async () => {
    const p = await onboardPlatform(gw, { scopes: ["feed:read"] });
    const key = await generateTestKey();
    const res = await p.signedRequest("/v1/platform/keys", { jwk: key.publicJwk });
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toMatch(/insufficient_scope/);
  });
});

describe("gateway keys", () => {
  it("JWKS holds the current and retired keys, never private parts; old tokens and receipts still verify after rotation", async () => {
    const p = await onboardPlatform(gw);
    const before = (await (await gw.fetch("/.well-known/jwks.json")).json()) as { keys: Array<Record<string, unknown>> };
    expect(before.keys.length).toBeGreaterThanOrEqual(1);
    for (const k of before.keys) expect(k).not.toHaveProperty("d");
    const oldToken = await p.token();
    const receipt = await gw.system.auth.signer.signCompact({ batchId: "b1", accepted: 1 }, "receipt+jws");
    const body = new TextEncoder().encode('{"hello":"world"}');
    const detached = await gw.system.auth.signer.signDetached(body, { "webhook-id": "w1" });

    const rotated = await gw.system.auth.rotateGatewayKey({ actor: { kind: "cli" } });
    expect(rotated.retired).toHaveLength(1);
    const after = (await (await gw.fetch("/.well-known/jwks.json")).json()) as { keys: Array<{ kid: string }> };
    expect(after.keys.map((k) => k.kid).sort()).toEqual([...rotated.retired, rotated.kid].sort());

    const jwks = createRemoteJWKSet(new URL(`${gw.url}/.well-known/jwks.json`));
    await jwtVerify(oldToken, jwks, { issuer: gw.url, audience: gw.url, typ: "at+jwt" });
    await compactVerify(receipt, jwks);
    const [prot, , sig] = detached.split(".");
    await flattenedVerify({ protected: prot!, payload: body, signature: sig! }, jwks);
    // The old token still works on the API; new tokens come from the new key.
    expect((await keysOf(oldToken)).length).toBe(1);
    const { decodeProtectedHeader } = await import("jose");
    const fresh = await gw.system.auth.signer.signJwt({}, { typ: "at+jwt", audience: gw.url, expiresInSeconds: 60 });
    expect(decodeProtectedHeader(fresh).kid).toBe(rotated.kid);
  });

  it("a revoked gateway key leaves the JWKS and its tokens stop working", async () => {
    const p = await onboardPlatform(gw);
    const token = await p.token();
    const { decodeProtectedHeader } = await import("jose");
    const kid = decodeProtectedHeader(token).kid!;
    await gw.system.auth.rotateGatewayKey({ actor: { kind: "cli" } });
    await gw.system.deps.db.rows((await import("drizzle-orm")).sql`update gateway_key set status = 'revoked' where kid = ${kid}`);
    gw.system.auth.gatewayKeys.invalidate();
    const jwks = (await (await gw.fetch("/.well-known/jwks.json")).json()) as { keys: Array<{ kid: string }> };
    expect(jwks.keys.map((k) => k.kid)).not.toContain(kid);
    const res = await gw.fetch("/v1/platform/keys", { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/invalid_token/);
  });
});

describe("tenant separation", () => {
  it("a platform's token sees only its own keys, and is no regulator token", async () => {
    const a = await onboardPlatform(gw);
    const b = await onboardPlatform(gw);
    expect((await keysOf(await a.token())).map((k) => k.kid)).toEqual([a.keys[0]!.kid]);
    expect((await keysOf(await b.token())).map((k) => k.kid)).toEqual([b.keys[0]!.kid]);
    const res = await gw.fetch("/v1/regulator/platforms", { headers: { authorization: `Bearer ${await a.token()}` } });
    expect(res.status).toBe(401);
    const admin = await loginRegulator(gw, { role: "admin", regionPrefix: "" });
    const asPlatform = await gw.fetch("/v1/platform/keys", { headers: { authorization: `Bearer ${admin.token}` } });
    expect(asPlatform.status).toBe(401);
  });
});

async function tokenWith(assertion: string): Promise<number> {
  const res = await gw.fetch("/oauth/token", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: assertion,
    }),
  });
  return res.status;
}
