// Managing monitoring rules and the prohibited-type list over HTTP: built-ins are seeded once;
// an invalid rule is refused with every reason; a rule edit is a new version, audited, and
// changes the next evaluation; a new rule fires on its next evaluation; prohibited types are
// kept by admins inside their region scope. Both backends.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.js";
import { BUILT_IN_RULES } from "../src/monitoring/index.js";
import { DAY, evaluate, seeder, warningsOf, type Seeder } from "./monitoring-fixtures.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { loginRegulator, type LoggedInRegulator } from "./support/platform.js";

const T = new Date("2026-06-15T08:00:00Z");
let gw: TestGateway;
let admin: LoggedInRegulator;
let districtAdmin: LoggedInRegulator;
let officer: LoggedInRegulator;
let viewer: LoggedInRegulator;
let s: Seeder;

beforeAll(async () => {
  gw = await startTestGateway({ clock: new ManualClock(T) });
  admin = await loginRegulator(gw, { role: "admin", regionPrefix: "5101" });
  districtAdmin = await loginRegulator(gw, { role: "admin", regionPrefix: "510104" });
  officer = await loginRegulator(gw, { role: "officer", regionPrefix: "5101" });
  viewer = await loginRegulator(gw, { role: "viewer", regionPrefix: "510105" });
  s = await seeder(gw.system.deps.db);
}, 60_000);
afterAll(async () => {
  await gw?.close();
});

const db = () => gw.system.deps.db;
const call = async (who: LoggedInRegulator, method: string, path: string, body?: unknown) => {
  const res = await gw.fetch(path, { method, headers: { authorization: `Bearer ${who.token}`, "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type"), body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
};

interface Rule {
  ruleId: string;
  key: string;
  version: number;
  enabled: boolean;
  builtIn: boolean;
  definition: Record<string, any>;
  versions?: Array<{ version: number; definition: Record<string, any>; savedBy: string }>;
}

const refundRule = {
  key: "refunds.dispute_amount",
  nameZh: "退款纠纷金额过高",
  severity: "medium",
  scope: "outside",
  action: "warn",
  windowDays: 30,
  condition: { metric: { events: { kind: "refund_dispute", days: 30, measure: { sum: "data.amountCents" } } }, op: ">=", value: 100_000 },
};

describe("monitoring rules over HTTP", () => {
  it("lists the built-in rules (seeded once, versions kept) to any regulator", async () => {
    const res = await call(viewer, "GET", "/v1/regulator/rules");
    expect(res.status).toBe(200);
    const rules = res.body!.rules as Rule[];
    expect(rules.map((r) => r.key).sort()).toEqual(BUILT_IN_RULES.map((r) => r.key).sort());
    expect(rules.every((r) => r.builtIn && r.version === 1 && r.enabled)).toBe(true);
    // A second start seeds nothing new.
    await gw.system.monitoring.start();
    const [{ n }] = (await db().rows<{ n: number }>(sql`select count(*)::int as n from monitoring_rule_version`)) as [{ n: number }];
    expect(Number(n)).toBe(BUILT_IN_RULES.length);
  });

  it("refuses an invalid rule with every reason (400 problem+json); structural errors too", async () => {
    const bad = await call(admin, "POST", "/v1/regulator/rules", {
      definition: {
        ...refundRule,
        key: "bad.rule",
        windowDays: 30,
        condition: { all: [
          { metric: { indicator: "no_such_indicator" }, op: ">=", value: 1 },
          { metric: { entity: "category" }, op: ">=", value: "food" },
          { metric: { growth: { kind: "complaint", recentDays: 900, baselineDays: 900 } }, op: ">=", value: 2 },
        ] },
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.type).toContain("application/problem+json");
    expect(bad.body).toMatchObject({ code: "VALIDATION_FAILED", requestId: expect.any(String) });
    expect((bad.body!.errors as Array<{ pointer: string }>).map((e) => e.pointer).sort()).toEqual([
      "/definition/condition/all/0/metric/indicator",
      "/definition/condition/all/1/op",
      "/definition/condition/all/2/metric/growth",
    ]);
    const shapeless = await call(admin, "POST", "/v1/regulator/rules", { definition: { ...refundRule, condition: { metric: { events: { kind: "gossip", days: 7 } }, op: "~", value: 1 } } });
    expect(shapeless.status).toBe(400);
    expect(shapeless.body!.code).toBe("VALIDATION_FAILED");
    // The spec tells condition and metric shapes apart by their property, so the reasons name
    // the wrong parts instead of every alternative shape.
    const pointers = (shapeless.body!.errors as Array<{ pointer: string }>).map((e) => e.pointer);
    expect(pointers).toEqual(expect.arrayContaining(["/definition/condition/op", "/definition/condition/metric/events/kind"]));
    expect((await db().rows(sql`select 1 from monitoring_rule where key = 'bad.rule'`)).length).toBe(0);
  });

  it("only admins save rules", async () => {
    expect((await call(officer, "POST", "/v1/regulator/rules", { definition: refundRule })).status).toBe(403);
    expect((await call(viewer, "POST", "/v1/regulator/rules", { definition: refundRule })).status).toBe(403);
  });

  it("a new rule fires on the next evaluation (sum of a data field in a window)", async () => {
    const created = await call(admin, "POST", "/v1/regulator/rules", { definition: refundRule, reason: "refund fraud pilot" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key: refundRule.key, version: 1, enabled: true, builtIn: false, updatedBy: `regulator:${admin.userId}` });
    expect((await call(admin, "POST", "/v1/regulator/rules", { definition: refundRule })).status).toBe(409);
    const big = await s.merchant({ category: "apparel" });
    const small = await s.merchant({ category: "apparel" });
    await s.events(big, "refund_dispute", [new Date(T.getTime() - 3 * DAY), new Date(T.getTime() - 2 * DAY)], { amountCents: 60_000 });
    await s.events(small, "refund_dispute", [new Date(T.getTime() - 3 * DAY), new Date(T.getTime() - 2 * DAY)], { amountCents: 40_000 });
    await evaluate(gw, { entityIds: [big.entityId, small.entityId], asOf: T });
    expect((await warningsOf(db(), big.entityId)).map((w) => w.rule_key)).toContain(refundRule.key);
    expect((await warningsOf(db(), small.entityId)).map((w) => w.rule_key)).not.toContain(refundRule.key);
  });

  it("an edit is a new version, audited, and changes the next evaluation", async () => {
    const rules = (await call(viewer, "GET", "/v1/regulator/rules")).body!.rules as Rule[];
    const litigation = rules.find((r) => r.key === "litigation.defendant")!;
    const before = await s.merchant({ category: "apparel" });
    const after = await s.merchant({ category: "apparel" });
    for (const m of [before, after]) await s.events(m, "litigation", [new Date(T.getTime() - 30 * DAY)], { role: "defendant", caseType: "contract" });
    await evaluate(gw, { entityIds: [before.entityId], asOf: T });
    expect((await warningsOf(db(), before.entityId)).map((w) => w.rule_key)).toEqual(["litigation.defendant"]);

    const edited = { ...litigation.definition, severity: "medium", condition: { ...litigation.definition.condition, value: 2 } };
    expect((await call(officer, "PUT", `/v1/regulator/rules/${litigation.ruleId}`, { definition: edited })).status).toBe(403);
    const wrongKey = await call(admin, "PUT", `/v1/regulator/rules/${litigation.ruleId}`, { definition: { ...edited, key: "litigation.renamed" } });
    expect(wrongKey.status).toBe(400);
    expect(wrongKey.body!.errors).toEqual([{ pointer: "/definition/key", message: expect.any(String) }]);
    expect((await call(admin, "PUT", `/v1/regulator/rules/${litigation.ruleId}`, { definition: edited, expectedVersion: 7 })).status).toBe(409);
    const saved = await call(admin, "PUT", `/v1/regulator/rules/${litigation.ruleId}`, { definition: edited, expectedVersion: 1, reason: "one lawsuit is not a signal" });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ version: 2, builtIn: true, definition: { severity: "medium" } });
    const got = (await call(viewer, "GET", `/v1/regulator/rules/${litigation.ruleId}`)).body as Rule;
    expect(got.versions!.map((v) => [v.version, v.definition.condition.value, v.savedBy])).toEqual([
      [2, 2, `regulator:${admin.userId}`],
      [1, 1, "system:seed"],
    ]);
    const audit = await db().rows<{ actor: string; data: Record<string, any> }>(sql`
      select actor, data from audit_log where action = 'monitoring_rule.update' and subject_id = ${litigation.ruleId}`);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: `regulator:${admin.userId}`, data: { from: 1, version: 2, reason: "one lawsuit is not a signal" } });

    // The next evaluation reads version 2: one lawsuit no longer fires, two do.
    await evaluate(gw, { entityIds: [after.entityId], asOf: T });
    expect((await warningsOf(db(), after.entityId)).map((w) => w.rule_key)).toEqual([]);
    await s.events(after, "litigation", [new Date(T.getTime() - 10 * DAY)], { role: "defendant", caseType: "tort" });
    await evaluate(gw, { entityIds: [after.entityId], asOf: T });
    const [w] = await warningsOf(db(), after.entityId);
    expect(w).toMatchObject({ rule_key: "litigation.defendant", severity: "medium" });
    expect((await db().rows<{ v: number }>(sql`select rule_version as v from warning where id = ${w!.id}::uuid`))[0]!.v).toBe(2);
    // Disabling a rule: it stops firing.
    const off = await call(admin, "PUT", `/v1/regulator/rules/${litigation.ruleId}`, { definition: edited, enabled: false });
    expect(off.body).toMatchObject({ version: 3, enabled: false });
    const third = await s.merchant({ category: "apparel" });
    await s.events(third, "litigation", [new Date(T.getTime() - 30 * DAY), new Date(T.getTime() - 20 * DAY)], { role: "defendant", caseType: "x" });
    await evaluate(gw, { entityIds: [third.entityId], asOf: T });
    expect(await warningsOf(db(), third.entityId)).toEqual([]);
  });

  it("an unknown rule is 404", async () => {
    expect((await call(viewer, "GET", "/v1/regulator/rules/00000000-0000-7000-8000-000000000000")).status).toBe(404);
  });
});

describe("prohibited business types over HTTP", () => {
  it("admins add and remove entries inside their scope; regulators see the entries overlapping theirs", async () => {
    const add = (who: LoggedInRegulator, category: string, regionPrefix: string) => call(who, "POST", "/v1/regulator/prohibited-types", { category, regionPrefix, note: "test" });
    const district = await add(districtAdmin, "drugs", "510104");
    expect(district.status).toBe(201);
    expect(district.body).toMatchObject({ category: "drugs", regionPrefix: "510104", createdBy: `regulator:${districtAdmin.userId}` });
    expect((await add(districtAdmin, "drugs", "510104")).status).toBe(409);
    expect((await add(districtAdmin, "drugs", "510105")).status).toBe(403);
    expect((await add(districtAdmin, "drugs", "5101")).status).toBe(403);
    expect((await add(officer, "food", "510104")).status).toBe(403);
    const city = await add(admin, "cosmetics", "5101");
    expect(city.status).toBe(201);

    const seen = async (who: LoggedInRegulator) => ((await call(who, "GET", "/v1/regulator/prohibited-types")).body!.items as Array<{ regionPrefix: string; category: string }>).map((x) => `${x.category}@${x.regionPrefix}`);
    expect(await seen(admin)).toEqual(["cosmetics@5101", "drugs@510104"]);
    expect(await seen(viewer)).toEqual(["cosmetics@5101"]); // 510105: the city-wide entry covers it

    // The list takes effect on the next evaluation.
    const m = await s.merchant({ category: "drugs", region: "510104" });
    await evaluate(gw, { entityIds: [m.entityId], asOf: T });
    expect((await warningsOf(db(), m.entityId)).map((w) => w.rule_key)).toContain("region.prohibited_business_type");

    expect((await call(districtAdmin, "DELETE", `/v1/regulator/prohibited-types/${city.body!.id}`)).status).toBe(403);
    const farAdmin = await loginRegulator(gw, { role: "admin", regionPrefix: "510105" });
    expect((await call(farAdmin, "DELETE", `/v1/regulator/prohibited-types/${district.body!.id}`)).status).toBe(404);
    expect((await call(districtAdmin, "DELETE", `/v1/regulator/prohibited-types/${district.body!.id}`)).status).toBe(204);
    expect((await call(districtAdmin, "DELETE", `/v1/regulator/prohibited-types/${district.body!.id}`)).status).toBe(404);
    const audit = await db().rows<{ action: string }>(sql`
      select action from audit_log where subject_type = 'prohibited_business_type' order by seq`);
    expect(audit.map((x) => x.action)).toEqual(["prohibited_type.create", "prohibited_type.create", "prohibited_type.delete"]);
  });
});
