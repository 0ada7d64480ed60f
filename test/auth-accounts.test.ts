// Cutting off access: suspending a platform, revoking a gateway key, disabling a regulator
// account and resetting its password — through the regulator API (admin only, inside its region
// for accounts) and the operator CLI — each audited with who did it, each effective at once,
// and none undone by reactivating the account.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOperation, type OperationDeps } from "../src/cli/operations.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { loginRegulator, onboardPlatform, type LoggedInRegulator, type OnboardedPlatform } from "./support/platform.js";
import { startWebhookReceiver, type WebhookReceiver } from "./support/webhook-receiver.js";

let gw: TestGateway;
let admin: LoggedInRegulator;
let cli: OperationDeps;
let receiver: WebhookReceiver;
beforeAll(async () => {
  gw = await startTestGateway();
  admin = await loginRegulator(gw, { role: "admin", regionPrefix: "5101" });
  receiver = await startWebhookReceiver();
  cli = {
    db: gw.system.deps.db,
    clock: gw.system.deps.clock,
    rotateGatewayKey: gw.system.auth.rotateGatewayKey,
    gatewayKeys: gw.system.auth.gatewayKeys,
  };
});
afterAll(async () => {
  await gw?.close();
  await receiver?.close();
});

const call = (token: string, path: string, body?: unknown) =>
  gw.fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const login = (username: string, password: string) =>
  gw.fetch("/v1/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password }) });

/** A new access token through /oauth/token (the helper's own cache would hand back the old one). */
async function tokenRequest(p: OnboardedPlatform): Promise<Response> {
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    client_assertion: await p.assertion(),
  });
  return gw.fetch("/oauth/token", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form });
}

const audit = (subjectId: string) =>
  gw.system.deps.db.rows<{ actor: string; action: string; data: Record<string, unknown> }>(
    sql`select actor, action, data from audit_log where subject_id = ${subjectId} order by seq`,
  );

describe("suspending a platform", () => {
  it("stops its tokens at once, refuses it new ones and its webhooks; reactivating revives no old token", async () => {
    const p = await onboardPlatform(gw, { webhookUrl: receiver.url });
    const old = await p.token();
    expect((await call(old, "/v1/feed")).status).toBe(200);

    const viewer = await loginRegulator(gw, { role: "officer", regionPrefix: "5101" });
    expect((await call(viewer.token, `/v1/regulator/platforms/${p.platformId}/suspend`, { reason: "x" })).status).toBe(403);

    const suspended = await call(admin.token, `/v1/regulator/platforms/${p.platformId}/suspend`, { reason: "key leaked" });
    expect(suspended.status).toBe(200);
    expect(await suspended.json()).toMatchObject({ platformId: p.platformId, status: "suspended" });
    expect((await call(old, "/v1/feed")).status).toBe(401);
    const refused = await tokenRequest(p);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: "invalid_client" });

    // A message published meanwhile is not pushed to it.
    await gw.system.deps.db.transaction((tx) => gw.system.outbound.publish(tx, [{ platformId: p.platformId, type: "batch.processed", data: { batchId: "b" } }]));
    gw.system.deps.kick();
    const [job] = await gw.system.deps.db.rows<{ id: number }>(sql`select id::int as id from outbox where job = 'webhook.deliver' order by id desc limit 1`);
    await gw.jobEvents.waitFor((e) => e.id === job!.id && (e.type === "done" || e.type === "failed"));
    expect(receiver.hits).toHaveLength(0);
    const [d] = await gw.system.deps.db.rows<{ status: string; last_error: string }>(sql`select status, last_error from webhook_delivery where platform_id = ${p.platformId}`);
    expect(d).toEqual({ status: "dead", last_error: "the platform is suspended" });

    const back = await runOperation(cli, { command: "platform.reactivate", input: { platformId: p.platformId, reason: "keys rotated" } });
    expect(back).toMatchObject({ status: "active" });
    expect((await call(old, "/v1/feed")).status).toBe(401);
    const fresh = (await (await tokenRequest(p)).json()) as { access_token: string };
    expect((await call(fresh.access_token, "/v1/feed")).status).toBe(200);

    expect((await audit(p.platformId)).slice(1)).toEqual([
      { actor: `regulator:${admin.userId}`, action: "platform.suspend", data: { reason: "key leaked", previousStatus: "active" } },
      { actor: "cli", action: "platform.reactivate", data: { reason: "keys rotated", previousStatus: "suspended" } },
    ]);
  });
});

describe("regulator accounts", () => {
  it("disabling ends the account's sessions at once; enabling lets it log in again but revives no session", async () => {
    const user = await loginRegulator(gw, { role: "officer", regionPrefix: "510104" });
    const res = await call(admin.token, `/v1/regulator/users/${user.userId}/disable`, { reason: "left the bureau" });
    expect(await res.json()).toMatchObject({ userId: user.userId, status: "disabled" });
    expect((await call(user.token, "/v1/regulator/overview")).status).toBe(401);
    expect((await login(user.username, user.password)).status).toBe(401);

    await call(admin.token, `/v1/regulator/users/${user.userId}/enable`, { reason: "came back" });
    expect((await call(user.token, "/v1/regulator/overview")).status).toBe(401);
    expect((await login(user.username, user.password)).status).toBe(200);
    expect((await audit(user.userId)).filter((r) => /^regulator\.user\.(disable|enable)$/.test(r.action))).toEqual([
      { actor: `regulator:${admin.userId}`, action: "regulator.user.disable", data: { username: user.username, reason: "left the bureau", previousStatus: "active" } },
      { actor: `regulator:${admin.userId}`, action: "regulator.user.enable", data: { username: user.username, reason: "came back", previousStatus: "disabled" } },
    ]);
  });

  it("a regional admin reaches only accounts inside its region, never its own for disabling; officers none", async () => {
    const elsewhere = await loginRegulator(gw, { role: "viewer", regionPrefix: "5102" });
    expect((await call(admin.token, `/v1/regulator/users/${elsewhere.userId}/disable`, { reason: "x" })).status).toBe(404);
    expect((await call(admin.token, `/v1/regulator/users/${elsewhere.userId}/password`, { reason: "x" })).status).toBe(404);
    expect((await call(admin.token, `/v1/regulator/users/${admin.userId}/disable`, { reason: "x" })).status).toBe(409);
    const officer = await loginRegulator(gw, { role: "officer", regionPrefix: "5101" });
    expect((await call(officer.token, `/v1/regulator/users/${officer.userId}/password`, { reason: "x" })).status).toBe(403);
    const users = (await (await call(admin.token, "/v1/regulator/users")).json()) as { users: Array<{ userId: string; regionPrefix: string }> };
    expect(users.users.every((u) => u.regionPrefix.startsWith("5101"))).toBe(true);
    expect(users.users.map((u) => u.userId)).not.toContain(elsewhere.userId);
  });

  it("resetting a password ends the sessions; a generated one is shown once, uncached, and never audited", async () => {
    const user = await loginRegulator(gw, { role: "viewer", regionPrefix: "510105" });
    const res = await call(admin.token, `/v1/regulator/users/${user.userId}/password`, { reason: "forgotten" });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const { password } = (await res.json()) as { password: string };
    expect(password).toHaveLength(20);
    expect((await call(user.token, "/v1/regulator/overview")).status).toBe(401);
    expect((await login(user.username, user.password)).status).toBe(401);
    expect((await login(user.username, password)).status).toBe(200);

    // Given one: it is not echoed. And the CLI does the same by username.
    const chosen = await call(admin.token, `/v1/regulator/users/${user.userId}/password`, { reason: "chosen", password: "a-chosen-pass-phrase" });
    expect(await chosen.json()).toEqual({ userId: user.userId, username: user.username });
    expect(await runOperation(cli, { command: "regulator.reset-password", input: { username: user.username, reason: "by phone", password: "another-pass-phrase" } })).toEqual({
      userId: user.userId,
      username: user.username,
    });
    expect((await login(user.username, "another-pass-phrase")).status).toBe(200);

    const rows = await audit(user.userId);
    expect(rows.filter((r) => r.action === "regulator.user.password_reset").map((r) => r.actor)).toEqual([`regulator:${admin.userId}`, `regulator:${admin.userId}`, "cli"]);
    const text = JSON.stringify(rows);
    for (const secret of [password, "a-chosen-pass-phrase", "another-pass-phrase", "scrypt$"]) expect(text).not.toContain(secret);
  });
});

// Last: it ends the sessions the other tests use.
describe("revoking a gateway key", () => {
  it("ends every token it signed at once and takes it out of the JWKS; the active key is replaced first", async () => {
    const first = (await gw.system.auth.gatewayKeys.active()).kid;
    const before = await loginRegulator(gw, { role: "viewer", regionPrefix: "5101" });
    await gw.system.auth.rotateGatewayKey({ actor: { kind: "cli" } });
    const second = (await gw.system.auth.gatewayKeys.active()).kid;
    const after = await loginRegulator(gw, { role: "admin", regionPrefix: "" });

    const listed = (await (await call(after.token, "/v1/regulator/gateway-keys")).json()) as { keys: Array<{ kid: string; status: string }> };
    expect(listed.keys.find((k) => k.kid === first)?.status).toBe("retired");
    expect((await call(before.token, "/v1/regulator/overview")).status).toBe(200);

    const revoked = await call(after.token, `/v1/regulator/gateway-keys/${first}/revoke`, { reason: "found in a backup" });
    expect(await revoked.json()).toEqual({ kid: first, status: "revoked", activeKid: second });
    expect((await call(before.token, "/v1/regulator/overview")).status).toBe(401);
    expect((await call(after.token, "/v1/regulator/overview")).status).toBe(200);
    const jwks = (await (await gw.fetch("/.well-known/jwks.json")).json()) as { keys: Array<{ kid: string }> };
    expect(jwks.keys.map((k) => k.kid)).not.toContain(first);

    // The active key, through the CLI: a new key takes its place in the same step.
    const platform = await onboardPlatform(gw);
    const platformToken = await platform.token();
    const result = (await runOperation(cli, { command: "keys.revoke", input: { kid: second, reason: "suspected leak" } })) as { activeKid: string };
    expect(result.activeKid).not.toBe(second);
    expect((await call(after.token, "/v1/regulator/overview")).status).toBe(401);
    expect((await call(platformToken, "/v1/feed")).status).toBe(401);
    const again = await loginRegulator(gw, { role: "viewer", regionPrefix: "5101" });
    expect((await call(again.token, "/v1/regulator/overview")).status).toBe(200);

    expect(await audit(first)).toEqual([
      { actor: `regulator:${after.userId}`, action: "gateway.key.revoke", data: { reason: "found in a backup", previousStatus: "retired", replacedBy: null } },
    ]);
    expect((await audit(second)).filter((r) => r.action === "gateway.key.revoke")).toEqual([
      { actor: "cli", action: "gateway.key.revoke", data: { reason: "suspected leak", previousStatus: "active", replacedBy: result.activeKid } },
    ]);
  });
});
