// Regulator identity through HTTP: login, token checks, role hierarchy, region-bounded user
// creation, and the admin platform API (the same verbs the CLI uses).
import { decodeJwt, createRemoteJWKSet, jwtVerify } from "jose";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegulatorUser } from "../src/auth/index.js";
import { ManualClock } from "../src/clock.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { generateTestKey, loginRegulator } from "./support/platform.js";

const clock = new ManualClock(new Date());
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ clock });
});
afterAll(async () => {
  await gw?.close();
});

const login = (username: string, password: string) =>
  gw.fetch("/v1/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password }) });
const asUser = (token: string, path: string, init: RequestInit = {}) =>
  gw.fetch(path, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}`, "content-type": "application/json" } });

describe("regulator login", () => {
  it("returns a gateway-signed token with role and region, valid 8 h", async () => {
    const r = await loginRegulator(gw, { role: "officer", regionPrefix: "5101" });
    const claims = decodeJwt(r.token);
    expect(claims).toMatchObject({ sub: r.userId, role: "officer", regionPrefix: "5101", iss: gw.url, aud: gw.url });
    expect(claims.exp! - claims.iat!).toBe(8 * 3600);
    const jwks = createRemoteJWKSet(new URL(`${gw.url}/.well-known/jwks.json`));
    await jwtVerify(r.token, jwks, { typ: "regulator+jwt", issuer: gw.url, audience: gw.url, currentDate: clock.now() });
    const res = await login(r.username, r.password);
    expect(await res.json()).toMatchObject({ role: "officer", regionPrefix: "5101" });
  });

  it("answers wrong password and unknown user alike (401, same message)", async () => {
    const r = await loginRegulator(gw, { role: "viewer", regionPrefix: "510104" });
    const wrong = await login(r.username, "not-the-password");
    const unknown = await login("nobody-here", "whatever-password");
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const [a, b] = (await Promise.all([wrong.json(), unknown.json()])) as Array<{ code: string; detail: string }>;
    expect(a!.code).toBe("UNAUTHORIZED");
    expect(a!.detail).toBe(b!.detail);
  });

  it("a disabled user's token stops working at once; an expired token is refused", async () => {
    const r = await loginRegulator(gw, { role: "admin", regionPrefix: "" });
    expect((await asUser(r.token, "/v1/regulator/platforms")).status).toBe(200);
    await gw.system.deps.db.rows(sql`update regulator_user set status = 'disabled' where id = ${r.userId}`);
    expect((await asUser(r.token, "/v1/regulator/platforms")).status).toBe(401);
    const s = await loginRegulator(gw, { role: "admin", regionPrefix: "" });
    clock.advance(8 * 3600_000 + 10_000);
    const expired = await asUser(s.token, "/v1/regulator/platforms");
    expect(expired.status).toBe(401);
    expect(expired.headers.get("www-authenticate")).toMatch(/invalid_token/);
  });

  it("refuses requests without or with a garbled bearer token", async () => {
    const none = await gw.fetch("/v1/regulator/platforms");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer realm=/);
    expect((await asUser("abc.def.ghi", "/v1/regulator/platforms")).status).toBe(401);
  });
});

describe("roles and regions on the admin platform API", () => {
  it("viewer and officer get 403; admin lists and creates platforms, adds, retires and revokes keys", async () => {
    const viewer = await loginRegulator(gw, { role: "viewer", regionPrefix: "" });
    const officer = await loginRegulator(gw, { role: "officer", regionPrefix: "" });
    const admin = await loginRegulator(gw, { role: "admin", regionPrefix: "" });
    expect((await asUser(viewer.token, "/v1/regulator/platforms")).status).toBe(403);
    expect((await asUser(officer.token, "/v1/regulator/platforms")).status).toBe(403);

    const k1 = await generateTestKey("ES256");
    const created = await asUser(admin.token, "/v1/regulator/platforms", {
      method: "POST",
      body: JSON.stringify({ name: "Shop Street", jwks: { keys: [k1.publicJwk] }, webhookUrl: "https://hooks.example/x" }),
    });
    expect(created.status).toBe(201);
    const platform = (await created.json()) as { platformId: string; clientId: string; scopes: string[] };
    expect(platform.clientId).toMatch(/^plt_/);
    expect(platform.scopes).toContain("events:write");

    const dupName = await asUser(admin.token, "/v1/regulator/platforms", { method: "POST", body: JSON.stringify({ name: "Shop Street", jwks: { keys: [k1.publicJwk] } }) });
    expect(dupName.status).toBe(409);
    const noKeys = await asUser(admin.token, "/v1/regulator/platforms", { method: "POST", body: JSON.stringify({ name: "Empty", jwks: { keys: [] } }) });
    expect(noKeys.status).toBe(400);

    const k2 = await generateTestKey("EdDSA");
    const added = await asUser(admin.token, `/v1/regulator/platforms/${platform.platformId}/keys`, { method: "POST", body: JSON.stringify({ jwk: k2.publicJwk }) });
    expect(added.status).toBe(201);
    const retired = await asUser(admin.token, `/v1/regulator/platforms/${platform.platformId}/keys/${k1.kid}/retire`, { method: "POST", body: JSON.stringify({ reason: "rotation" }) });
    expect(await retired.json()).toMatchObject({ kid: k1.kid, status: "retired" });
    const revoked = await asUser(admin.token, `/v1/regulator/platforms/${platform.platformId}/keys/${k2.kid}/revoke`, { method: "POST", body: JSON.stringify({ reason: "leak" }) });
    expect(await revoked.json()).toMatchObject({ kid: k2.kid, status: "revoked" });

    const list = (await (await asUser(admin.token, "/v1/regulator/platforms")).json()) as { platforms: Array<{ platformId: string; keys: Array<{ status: string }> }> };
    const mine = list.platforms.find((p) => p.platformId === platform.platformId)!;
    expect(mine.keys.map((k) => k.status)).toEqual(["retired", "revoked"]);
    const audit = await gw.system.deps.db.rows<{ action: string }>(sql`select action from audit_log where subject_id = ${platform.platformId} order by seq`);
    expect(audit.map((a) => a.action)).toEqual(["platform.create", "platform.key.add", "platform.key.retire", "platform.key.revoke"]);
  });

  it("a regional admin creates users only inside its own region", async () => {
    const admin = await loginRegulator(gw, { role: "admin", regionPrefix: "5101" });
    const actor = { kind: "regulator" as const, userId: admin.userId, role: "admin" as const, regionPrefix: "5101" };
    const ctx = { db: gw.system.deps.db, clock: gw.system.deps.clock, actor };
    await expect(createRegulatorUser(ctx, { username: "district-ok", role: "viewer", regionPrefix: "510104" })).resolves.toMatchObject({ regionPrefix: "510104" });
    await expect(createRegulatorUser(ctx, { username: "elsewhere", role: "viewer", regionPrefix: "5102" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(createRegulatorUser(ctx, { username: "nationwide", role: "viewer", regionPrefix: "" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const officerCtx = { ...ctx, actor: { ...actor, role: "officer" as const } };
    await expect(createRegulatorUser(officerCtx, { username: "by-officer", role: "viewer", regionPrefix: "510104" })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
