// Which gateway keys a gateway-signed token may be verified with, and how long a token may live.
// A retired key keeps verifying the tokens it signed while it was active (until they run out),
// but nothing it signs after its retirement; a token's lifetime may not exceed its type's cap,
// whoever signed it. Tokens are forged here with the gateway's own private keys, as someone who
// had read them from the database could.
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { importJWK, SignJWT, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptWithKek } from "../src/auth/key-encryption.js";
import { ManualClock } from "../src/clock.js";
import { startTestGateway, TEST_KEY_ENCRYPTION_KEY, type TestGateway } from "./support/gateway.js";
import { loginRegulator, type LoggedInRegulator } from "./support/platform.js";

const clock = new ManualClock(new Date());
let gw: TestGateway;
let admin: LoggedInRegulator;
beforeAll(async () => {
  gw = await startTestGateway({ clock });
  admin = await loginRegulator(gw, { role: "admin", regionPrefix: "" });
});
afterAll(async () => {
  await gw?.close();
});

const asAdmin = (token: string) => gw.fetch("/v1/regulator/platforms", { headers: { authorization: `Bearer ${token}` } });

async function privateKeyOf(kid: string) {
  const [row] = await gw.system.deps.db.rows<{ private_jwk_encrypted: string }>(sql`select private_jwk_encrypted from gateway_key where kid = ${kid}`);
  const jwk = JSON.parse(decryptWithKek(Buffer.from(TEST_KEY_ENCRYPTION_KEY, "base64"), row!.private_jwk_encrypted, kid)) as JWK;
  return importJWK(jwk, "ES256");
}

/** A regulator token for the admin, signed with `kid`, issued at `iat` and living `lifetime` seconds. */
async function forge(kid: string, iat: number, lifetime: number) {
  return new SignJWT({ jti: randomUUID(), role: "admin", regionPrefix: "" })
    .setProtectedHeader({ alg: "ES256", kid, typ: "regulator+jwt" })
    .setIssuer(gw.url)
    .setAudience(gw.url)
    .setSubject(admin.userId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetime)
    .sign(await privateKeyOf(kid));
}

const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);

describe("gateway-signed tokens", () => {
  it("a token a key signed while active keeps working after a rotation, until it runs out", async () => {
    const token = (await loginRegulator(gw, { role: "admin", regionPrefix: "" })).token;
    await gw.system.auth.rotateGatewayKey({ actor: { kind: "cli" } });
    expect((await asAdmin(token)).status).toBe(200);
    clock.advance(8 * 3600_000 + 10_000);
    expect((await asAdmin(token)).status).toBe(401);
  });

  it("a retired key verifies nothing it signed after its retirement", async () => {
    const { kid: current } = await gw.system.auth.gatewayKeys.active();
    const { retired } = await gw.system.auth.rotateGatewayKey({ actor: { kind: "cli" } });
    expect(retired).toEqual([current]);
    clock.advance(60_000);
    expect((await asAdmin(await forge(current, nowSeconds(), 3600))).status).toBe(401);
    // Signed (by its iat) before the retirement: still fine.
    expect((await asAdmin(await forge(current, nowSeconds() - 120, 3600))).status).toBe(200);
  });

  it("a token living longer than its type allows is refused, even with the active key", async () => {
    const { kid } = await gw.system.auth.gatewayKeys.active();
    expect((await asAdmin(await forge(kid, nowSeconds(), 8 * 3600))).status).toBe(200);
    const tooLong = await asAdmin(await forge(kid, nowSeconds(), 30 * 86_400));
    expect(tooLong.status).toBe(401);
    expect(tooLong.headers.get("www-authenticate")).toMatch(/invalid_token/);
    // Issued in the future: refused too.
    expect((await asAdmin(await forge(kid, nowSeconds() + 3600, 600))).status).toBe(401);
  });

  it("the gateway itself never signs a token past its type's cap", async () => {
    const signer = gw.system.auth.signer;
    await expect(signer.signJwt({}, { typ: "regulator+jwt", audience: gw.url, expiresInSeconds: 9 * 3600 })).rejects.toThrow(/lifetime/);
    await expect(signer.signJwt({}, { typ: "at+jwt", audience: gw.url, expiresInSeconds: 16 * 60 })).rejects.toThrow(/lifetime/);
    await expect(signer.signJwt({}, { typ: "other+jwt", audience: gw.url, expiresInSeconds: 60 })).rejects.toThrow(/lifetime/);
  });
});
