// An unmodified off-the-shelf OAuth client (oauth4webapi) discovers the gateway and obtains a
// client-credentials token with private_key_jwt; the token verifies against the published JWKS.
import * as oauth from "oauth4webapi";
import { createRemoteJWKSet, jwtVerify, type CryptoKey } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { onboardPlatform } from "./support/platform.js";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw?.close();
});

async function oauthClientToken(clientId: string, privateKey: CryptoKey, kid: string, scope?: string) {
  const issuer = new URL(gw.url);
  const options = { [oauth.allowInsecureRequests]: true };
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: "oauth2", ...options }));
  const client: oauth.Client = { client_id: clientId };
  const params = new URLSearchParams(scope ? { scope } : {});
  const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.PrivateKeyJwt({ key: privateKey, kid }), params, options);
  return oauth.processClientCredentialsResponse(as, client, response);
}

describe("off-the-shelf OAuth client (oauth4webapi)", () => {
  for (const alg of ["ES256", "EdDSA"] as const) {
    it(`gets a token with private_key_jwt (${alg}) that works on the API and verifies with the JWKS`, async () => {
      const p = await onboardPlatform(gw, { alg });
      const key = p.keys[0]!;
      const result = await oauthClientToken(p.clientId, key.privateKey, key.kid, "feed:read keys:write");
      expect(result.token_type).toBe("bearer"); // oauth4webapi lower-cases it
      expect(result.expires_in).toBe(900);
      expect(result.scope).toBe("feed:read keys:write");

      const jwks = createRemoteJWKSet(new URL(`${gw.url}/.well-known/jwks.json`));
      const { payload, protectedHeader } = await jwtVerify(result.access_token, jwks, { issuer: gw.url, audience: gw.url, typ: "at+jwt", algorithms: ["ES256"] });
      expect(protectedHeader.typ).toBe("at+jwt");
      expect(payload).toMatchObject({ sub: p.platformId, client_id: p.clientId, scope: "feed:read keys:write" });

      const res = await gw.fetch("/v1/platform/keys", { headers: { authorization: `Bearer ${result.access_token}` } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { keys: Array<{ kid: string }> };
      expect(body.keys.map((k) => k.kid)).toEqual([key.kid]);
    });
  }

  it("reports an RFC 6749 error the client understands (unknown client)", async () => {
    const p = await onboardPlatform(gw);
    const key = p.keys[0]!;
    const err = await oauthClientToken("plt_nobody", key.privateKey, key.kid).catch((e: unknown) => e);
    // 401 + WWW-Authenticate: oauth4webapi surfaces the challenge.
    expect(err).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
    expect((err as oauth.WWWAuthenticateChallengeError).cause[0]?.parameters.error).toBe("invalid_client");
  });

  it("publishes RFC 8414 metadata", async () => {
    const res = await gw.fetch("/.well-known/oauth-authorization-server");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      issuer: gw.url,
      token_endpoint: `${gw.url}/oauth/token`,
      jwks_uri: `${gw.url}/.well-known/jwks.json`,
      grant_types_supported: ["client_credentials"],
      token_endpoint_auth_methods_supported: ["private_key_jwt"],
      token_endpoint_auth_signing_alg_values_supported: ["ES256", "EdDSA", "Ed25519"],
    });
  });
});

describe("token endpoint errors are always RFC 6749 JSON", () => {
  it("answers a wrong content type, an empty body and a repeated parameter with invalid_request", async () => {
    const cases: RequestInit[] = [
      { method: "POST", body: '{"grant_type":"client_credentials"}', headers: { "content-type": "application/json" } },
      { method: "POST", body: "", headers: { "content-type": "application/x-www-form-urlencoded" } },
      { method: "POST", body: "grant_type=a&grant_type=b", headers: { "content-type": "application/x-www-form-urlencoded" } },
    ];
    for (const init of cases) {
      const res = await gw.fetch("/oauth/token", init);
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await res.json()).toMatchObject({ error: "invalid_request" });
    }
  });
});
