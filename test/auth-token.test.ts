// POST /oauth/token: every refusal is an RFC 6749 §5.2 error (JSON, 400 or 401 +
// WWW-Authenticate for invalid_client, no-store), never problem+json.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changePlatformKey } from "../src/auth/index.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { generateTestKey, onboardPlatform, type OnboardedPlatform } from "./support/platform.js";

let gw: TestGateway;
let p: OnboardedPlatform;
beforeAll(async () => {
  gw = await startTestGateway();
  p = await onboardPlatform(gw, { scopes: ["events:write", "feed:read", "keys:write"] });
});
afterAll(async () => {
  await gw?.close();
});

const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

async function tokenRequest(fields: Record<string, string>) {
  const res = await gw.fetch("/oauth/token", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
  });
  return { res, body: (await res.json()) as Record<string, unknown> };
}

const grant = (assertion: string, extra: Record<string, string> = {}) => ({
  grant_type: "client_credentials",
  client_assertion_type: ASSERTION_TYPE,
  client_assertion: assertion,
  ...extra,
});

async function expectOAuthError(fields: Record<string, string>, error: string, status = error === "invalid_client" ? 401 : 400) {
  const { res, body } = await tokenRequest(fields);
  expect(res.status, JSON.stringify(body)).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(body.error).toBe(error);
  expect(typeof body.error_description).toBe("string");
  expect(Object.keys(body).sort()).toEqual(["error", "error_description"]);
  if (status === 401) expect(res.headers.get("www-authenticate")).toMatch(/^Bearer .*error="invalid_client"/);
  return body;
}

describe("token endpoint", () => {
  it("issues an at+jwt with the platform's scopes by default, and a subset on request", async () => {
    const { res, body } = await tokenRequest(grant(await p.assertion()));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 900, scope: "events:write feed:read keys:write" });
    const sub = await tokenRequest(grant(await p.assertion(), { scope: "feed:read" }));
    expect(sub.body.scope).toBe("feed:read");
  });

  it("accepts the token endpoint URL or the issuer as aud, as a string or an array of that one value; alg Ed25519 too", async () => {
    for (const aud of [gw.url, `${gw.url}/oauth/token`, [gw.url], [`${gw.url}/oauth/token`]]) {
      const { res } = await tokenRequest(grant(await p.assertion({ claims: { aud } })));
      expect(res.status).toBe(200);
    }
    const ed = await onboardPlatform(gw, { alg: "EdDSA" });
    const { res } = await tokenRequest(grant(await ed.assertion({ header: { alg: "Ed25519" } })));
    expect(res.status).toBe(200);
  });

  it("finds the key without a kid among the platform's active keys", async () => {
    const two = await onboardPlatform(gw, { keyCount: 2 });
    const { res } = await tokenRequest(grant(await two.assertion({ key: two.keys[1]!, header: { kid: undefined } })));
    expect(res.status).toBe(200);
  });

  it("refuses bad assertions with invalid_client", async () => {
    const now = Math.floor(Date.now() / 1000);
    const stranger = await generateTestKey("ES256", p.keys[0]!.kid); // same kid, other key material
    await expectOAuthError(grant(await p.assertion({ key: stranger })), "invalid_client");
    await expectOAuthError(grant(await p.assertion({ claims: { aud: "https://other.example/oauth/token" } })), "invalid_client");
    // An assertion for several audiences could be replayed here by any of them.
    await expectOAuthError(grant(await p.assertion({ claims: { aud: ["https://elsewhere.example", gw.url] } })), "invalid_client");
    await expectOAuthError(grant(await p.assertion({ claims: { aud: [gw.url, `${gw.url}/oauth/token`] } })), "invalid_client");
    await expectOAuthError(grant(await p.assertion({ claims: { aud: [] } })), "invalid_client");
    await expectOAuthError(grant(await p.assertion({ claims: { iat: now - 600, exp: now - 300 } })), "invalid_client");
    await expectOAuthError(grant(await p.assertion({ claims: { exp: now + 3600 } })), "invalid_client");
    await expectOAuthError(grant(await p.assertion({ claims: { exp: undefined } })), "invalid_client");
    await expectOAuthError(grant(await p.assertion({ claims: { jti: undefined } })), "invalid_client");
    await expectOAuthError(grant(await p.assertion({ claims: { sub: "someone-else" } })), "invalid_client");
    await expectOAuthError(grant(await p.assertion({ claims: { iat: now + 120 } })), "invalid_client");
    await expectOAuthError(grant(await p.assertion({ claims: { nbf: now + 120 } })), "invalid_client");
    await expectOAuthError(grant(await p.assertion({ claims: { iss: "plt_unknown", sub: "plt_unknown" } })), "invalid_client");
    await expectOAuthError(grant(await p.assertion({ header: { kid: "no-such-kid" } })), "invalid_client");
    await expectOAuthError(grant(await p.assertion(), { client_id: "plt_other" }), "invalid_client");
    await expectOAuthError(grant("not.a.jwt"), "invalid_client");
    await expectOAuthError({ grant_type: "client_credentials" }, "invalid_client");
    await expectOAuthError({ ...grant(await p.assertion()), client_assertion_type: "urn:other" }, "invalid_client");
  });

  it("never accepts an assertion twice (jti remembered until exp)", async () => {
    const assertion = await p.assertion({ claims: { jti: randomUUID() } });
    expect((await tokenRequest(grant(assertion))).res.status).toBe(200);
    const body = await expectOAuthError(grant(assertion), "invalid_client");
    expect(body.error_description).toMatch(/jti/);
  });

  it("refuses a forged assertion without burning the real jti", async () => {
    const jti = randomUUID();
    const stranger = await generateTestKey("ES256", p.keys[0]!.kid);
    await expectOAuthError(grant(await p.assertion({ key: stranger, claims: { jti } })), "invalid_client");
    expect((await tokenRequest(grant(await p.assertion({ claims: { jti } })))).res.status).toBe(200);
  });

  it("refuses retired and revoked keys", async () => {
    const q = await onboardPlatform(gw, { keyCount: 3 });
    const ctx = { db: gw.system.deps.db, clock: gw.system.deps.clock, actor: { kind: "cli" as const }, publish: gw.system.outbound.publish };
    await changePlatformKey(ctx, { platformId: q.platformId, kid: q.keys[1]!.kid, action: "retire", reason: "rotated" });
    await changePlatformKey(ctx, { platformId: q.platformId, kid: q.keys[2]!.kid, action: "revoke", reason: "leaked" });
    await expectOAuthError(grant(await q.assertion({ key: q.keys[1]! })), "invalid_client");
    await expectOAuthError(grant(await q.assertion({ key: q.keys[2]! })), "invalid_client");
    expect((await tokenRequest(grant(await q.assertion({ key: q.keys[0]! })))).res.status).toBe(200);
  });

  it("answers grant and scope problems with their RFC 6749 codes", async () => {
    await expectOAuthError({ ...grant(await p.assertion()), grant_type: "password" }, "unsupported_grant_type");
    await expectOAuthError({ client_assertion_type: ASSERTION_TYPE, client_assertion: await p.assertion() }, "invalid_request");
    await expectOAuthError(grant(await p.assertion(), { scope: "feed:read merchants:write" }), "invalid_scope");
    await expectOAuthError(grant(await p.assertion(), { scope: "admin" }), "invalid_scope");
  });
});
