// City-wide configuration needs a city or national scope: an admin scoped to one district can
// no longer add keys to a platform (and then act as it), create or suspend platforms, or change
// the rules, templates, fence policy, active model or gateway keys everyone lives by. A key
// changed for a platform by someone else is announced to it and audited with who did it.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { feedCaughtUp } from "../../src/exchange/outbound/feed.js";
import { startTestGateway, type TestGateway } from "../support/gateway.js";
import { generateTestKey, loginRegulator, onboardPlatform, type LoggedInRegulator, type OnboardedPlatform } from "../support/platform.js";

let gw: TestGateway;
let districtAdmin: LoggedInRegulator;
let cityAdmin: LoggedInRegulator;
let p: OnboardedPlatform;
beforeAll(async () => {
  gw = await startTestGateway();
  districtAdmin = await loginRegulator(gw, { role: "admin", regionPrefix: "510104" });
  cityAdmin = await loginRegulator(gw, { role: "admin", regionPrefix: "5101" });
  p = await onboardPlatform(gw);
});
afterAll(async () => {
  await gw?.close();
});

const call = (who: LoggedInRegulator, method: string, path: string, body?: unknown) =>
  gw.fetch(path, {
    method,
    headers: { authorization: `Bearer ${who.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe("a district admin", () => {
  it("is refused every city-wide change with 403 CITY_SCOPE_REQUIRED, and nothing changes", async () => {
    const key = await generateTestKey();
    const policy = (await (await call(cityAdmin, "GET", "/v1/regulator/sandbox/policy")).json()) as { policy: unknown; version: number };
    const rules = (await (await call(cityAdmin, "GET", "/v1/regulator/rules")).json()) as { rules: Array<{ ruleId: string; definition: unknown; version: number }> };
    const [gatewayKey] = ((await (await call(cityAdmin, "GET", "/v1/regulator/gateway-keys")).json()) as { keys: Array<{ kid: string }> }).keys;
    const deliveryId = "0195a3c4-7b2e-7c10-9a6e-1f2d3c4b5a69";
    const attempts: Array<[string, string, unknown]> = [
      ["POST", `/v1/regulator/platforms/${p.platformId}/keys`, { jwk: key.publicJwk }],
      ["POST", `/v1/regulator/platforms/${p.platformId}/keys/${p.keys[0]!.kid}/revoke`, { reason: "x" }],
      ["POST", "/v1/regulator/platforms", { name: "district-made", jwks: { keys: [key.publicJwk] } }],
      ["POST", `/v1/regulator/platforms/${p.platformId}/suspend`, { reason: "x" }],
      ["POST", `/v1/regulator/platforms/${p.platformId}/backfill/start`, { reason: "x" }],
      ["PUT", "/v1/regulator/sandbox/policy", { policy: policy.policy, reason: "x" }],
      ["PUT", `/v1/regulator/rules/${rules.rules[0]!.ruleId}`, { definition: rules.rules[0]!.definition, enabled: false }],
      ["POST", "/v1/regulator/rules", { definition: { ...(rules.rules[0]!.definition as object), key: "district.made" } }],
      ["PUT", "/v1/regulator/notice-templates/district.made", { title: "t", body: "{{facts}}", legalBasis: "l", rectify: "r" }],
      ["POST", "/v1/regulator/models/expert-v1/activate", { reason: "x" }],
      ["POST", `/v1/regulator/gateway-keys/${gatewayKey!.kid}/revoke`, { reason: "x" }],
      // Every platform's deliveries, platforms and keys are city-wide too, even to read.
      ["GET", "/v1/regulator/webhook-deliveries", undefined],
      ["POST", `/v1/regulator/webhook-deliveries/${deliveryId}/retry`, undefined],
      ["GET", "/v1/regulator/platforms", undefined],
    ];
    for (const [method, path, body] of attempts) {
      const res = await call(districtAdmin, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(((await res.json()) as { code: string }).code, `${method} ${path}`).toBe("CITY_SCOPE_REQUIRED");
    }
    const keys = await gw.system.deps.db.rows<{ kid: string; status: string }>(sql`select kid, status from platform_key where platform_id = ${p.platformId}::uuid`);
    expect(keys).toEqual([{ kid: p.keys[0]!.kid, status: "active" }]);
    expect((await p.get("/v1/feed")).status).toBe(200);
    expect(((await (await call(cityAdmin, "GET", "/v1/regulator/sandbox/policy")).json()) as { version: number }).version).toBe(policy.version);
  });

  it("leaves the city admin the platform list and webhook deliveries", async () => {
    const platforms = await call(cityAdmin, "GET", "/v1/regulator/platforms");
    expect(platforms.status).toBe(200);
    expect(((await platforms.json()) as { platforms: Array<{ platformId: string }> }).platforms.map((x) => x.platformId)).toContain(p.platformId);
    expect((await call(cityAdmin, "GET", "/v1/regulator/webhook-deliveries")).status).toBe(200);
    // A made-up delivery: authorisation passed, the verb answers 404.
    expect((await call(cityAdmin, "POST", "/v1/regulator/webhook-deliveries/0195a3c4-7b2e-7c10-9a6e-1f2d3c4b5a69/retry")).status).toBe(404);
  });

  it("still manages what lies in its district: prohibited types and accounts there", async () => {
    const res = await call(districtAdmin, "POST", "/v1/regulator/prohibited-types", { category: "food", regionPrefix: "510104" });
    expect(res.status).toBe(201);
  });
});

describe("a city admin changing a platform's keys", () => {
  it("tells the platform (platform.key_changed) and audits who did it", async () => {
    const key = await generateTestKey();
    const added = await call(cityAdmin, "POST", `/v1/regulator/platforms/${p.platformId}/keys`, { jwk: key.publicJwk });
    expect(added.status).toBe(201);
    const retired = await call(cityAdmin, "POST", `/v1/regulator/platforms/${p.platformId}/keys/${key.kid}/retire`, { reason: "not ours" });
    expect(retired.status).toBe(200);

    while (!(await feedCaughtUp(gw.system.deps.db))) await new Promise((r) => setTimeout(r, 20));
    const feed = (await (await p.get("/v1/feed?limit=1000")).json()) as { messages: Array<{ type: string; data: Record<string, unknown> }> };
    const changes = feed.messages.filter((m) => m.type === "platform.key_changed").map((m) => m.data);
    expect(changes).toEqual([
      { kid: key.kid, change: "added", status: "active", by: `regulator:${cityAdmin.userId}` },
      { kid: key.kid, change: "retired", status: "retired", by: `regulator:${cityAdmin.userId}` },
    ]);
    const audit = await gw.system.deps.db.rows<{ actor: string; action: string }>(
      sql`select actor, action from audit_log where subject_id = ${p.platformId} and action like 'platform.key.%' order by seq`,
    );
    expect(audit).toEqual([
      { actor: `regulator:${cityAdmin.userId}`, action: "platform.key.add" },
      { actor: `regulator:${cityAdmin.userId}`, action: "platform.key.retire" },
    ]);
  });

  it("a platform's own key calls need no announcement", async () => {
    const before = ((await (await p.get("/v1/feed?limit=1000")).json()) as { messages: Array<{ type: string }> }).messages.filter((m) => m.type === "platform.key_changed").length;
    const own = await generateTestKey();
    expect((await p.signedRequest("/v1/platform/keys", { jwk: own.publicJwk })).status).toBe(201);
    while (!(await feedCaughtUp(gw.system.deps.db))) await new Promise((r) => setTimeout(r, 20));
    const after = ((await (await p.get("/v1/feed?limit=1000")).json()) as { messages: Array<{ type: string }> }).messages.filter((m) => m.type === "platform.key_changed").length;
    expect(after).toBe(before);
  });
});
