// Policy what-if (试算) over HTTP: a candidate fence policy shows who would enter and leave the
// sandbox; a candidate monitoring rule shows the warnings and notices it would have raised over
// the last 30/90 days with its dedup window; both count only the caller's scope, refuse a bad
// candidate with a field pointer, and write nothing. Both backends.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.js";
import { inDryRunSlot } from "../src/db/what-if.js";
import { DEFAULT_FENCE_POLICY } from "../src/sandbox/index.js";
import { DAY, seeder, spread, type Seeded, type Seeder } from "./monitoring-fixtures.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { loginRegulator, type LoggedInRegulator } from "./support/platform.js";

const T = new Date("2026-06-15T08:00:00Z");
let gw: TestGateway;
let cityOfficer: LoggedInRegulator;
let districtOfficer: LoggedInRegulator;
let viewer: LoggedInRegulator;
let s: Seeder;
const e: Record<string, Seeded> = {};

const db = () => gw.system.deps.db;
const ago = (days: number) => new Date(T.getTime() - days * DAY).toISOString();

async function classed(name: string, region: string, cls: string, classDays: number, inside = false): Promise<void> {
  const m = await s.merchant({ region });
  e[name] = m;
  await db().rows(sql`update entity set risk_class = ${cls}, class_since = ${ago(classDays)}::timestamptz, operating_since = ${ago(400)}::timestamptz where id = ${m.entityId}::uuid`);
  if (inside) await s.inSandbox(m.entityId, new Date(T.getTime() - 100 * DAY));
}

beforeAll(async () => {
  gw = await startTestGateway({ clock: new ManualClock(T) });
  cityOfficer = await loginRegulator(gw, { role: "officer", regionPrefix: "5101" });
  districtOfficer = await loginRegulator(gw, { role: "officer", regionPrefix: "510104" });
  viewer = await loginRegulator(gw, { role: "viewer", regionPrefix: "5101" });
  s = await seeder(db());
  // Fence population (510104 unless said): A1, A2 inside already; B1, B2 eligible class B; B3 class B
  // too recently; C1 class C inside; B4 eligible class B in 510105 (outside the district's scope).
  await classed("A1", "510104", "A", 200, true);
  await classed("A2", "510104", "A", 200, true);
  await classed("B1", "510104", "B", 200);
  await classed("B2", "510104", "B", 200);
  await classed("B3", "510104", "B", 10);
  await classed("C1", "510104", "C", 20, true);
  await classed("B4", "510105", "B", 200);
  // Rule population: complaints in the last few days (six, three; six out of scope) and a steady
  // stream over 90 days (one every three days).
  for (const [name, region, n] of [["K6", "510104", 6], ["K3", "510104", 3], ["X6", "510105", 6]] as const) {
    e[name] = await s.merchant({ region });
    await s.events(e[name]!, "complaint", spread(T, n, 5, 1), { channel: "hotline", reason: "quality" });
  }
  e.S = await s.merchant({ region: "510104" });
  await s.events(e.S, "complaint", spread(T, 30, 90, 0), { channel: "hotline", reason: "quality" });
}, 120_000);
afterAll(async () => {
  await gw?.close();
});

const post = async (who: LoggedInRegulator, path: string, body: unknown) => {
  const res = await gw.fetch(path, { method: "POST", headers: { authorization: `Bearer ${who.token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type"), retryAfter: res.headers.get("retry-after"), body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
};

const candidateAB = { ...DEFAULT_FENCE_POLICY, admission: { ...DEFAULT_FENCE_POLICY.admission, classes: ["A", "B"] } };
const ids = (tally: { samples: Array<{ entityId: string }> }) => tally.samples.map((x) => x.entityId).sort();
const of = (...names: string[]) => names.map((n) => e[n]!.entityId).sort();

const complaintsRule = (key: string, atLeast: number, extra: Record<string, unknown> = {}) => ({
  key,
  nameZh: "投诉集中（试算）",
  severity: "medium",
  scope: "all",
  action: "warn_and_notice",
  windowDays: 30,
  condition: { metric: { events: { kind: "complaint", days: 30 } }, op: ">=", value: atLeast },
  ...extra,
});

async function counts(): Promise<Record<string, number>> {
  const [r] = await db().rows<{ m: number; w: number; a: number; f: number; o: number; p: number }>(sql`
    select (select count(*) from sandbox_membership)::int as m, (select count(*) from warning)::int as w,
      (select count(*) from audit_log)::int as a, (select count(*) from fence_audit)::int as f,
      (select count(*) from outbox)::int as o, (select count(*) from fence_policy)::int as p`);
  return { ...r! };
}

describe("fence policy what-if", () => {
  it("a policy that admits class B too shows exactly the eligible B entities entering, inside the caller's scope", async () => {
    const before = await counts();
    const res = await post(districtOfficer, "/v1/regulator/sandbox/policy/what-if", { policy: candidateAB });
    expect(res.status).toBe(200);
    const r = res.body!;
    expect(r.evaluated).toBe(6 + 3); // the six fence entities and the three rule entities of 510104
    expect(ids(r.entering)).toEqual(of("B1", "B2"));
    expect(r.entering.entities).toBe(2);
    expect(r.entering.byDistrict).toEqual([{ regionCode: "510104", count: 2 }]);
    expect(r.entering.byPlatform).toEqual([{ platformId: s.platformId, platformName: `p-${s.platformId}`, count: 2 }]);
    expect(r.entering.samples.every((x: { rule: string; riskClass: string }) => x.rule === "admission.criteria_met" && x.riskClass === "B")).toBe(true);
    // C1 leaves under either policy; the policy in force admits nobody new.
    expect(ids(r.leaving)).toEqual(of("C1"));
    expect(r.byPolicyInForce).toEqual({ entering: 0, leaving: 1 });
    expect(await counts()).toEqual(before);
  });

  it("counts the whole city for a city officer (B4 in 510105 too) and nothing outside a narrowed region", async () => {
    const city = await post(cityOfficer, "/v1/regulator/sandbox/policy/what-if", { policy: candidateAB });
    expect(city.status).toBe(200);
    expect(ids(city.body!.entering)).toEqual(of("B1", "B2", "B4"));
    expect(city.body!.entering.byDistrict).toEqual([{ regionCode: "510104", count: 2 }, { regionCode: "510105", count: 1 }]);
    const narrowed = await post(cityOfficer, "/v1/regulator/sandbox/policy/what-if", { policy: candidateAB, region: "510105" });
    expect(ids(narrowed.body!.entering)).toEqual(of("B4"));
    // A region outside the district officer's scope: nothing there is visible.
    const elsewhere = await post(districtOfficer, "/v1/regulator/sandbox/policy/what-if", { policy: candidateAB, region: "510105" });
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body!.evaluated).toBe(0);
    expect(elsewhere.body!.entering.entities).toBe(0);
  });

  it("refuses a bad candidate with a field pointer, as a save does; a viewer may not run it", async () => {
    const bad = await post(cityOfficer, "/v1/regulator/sandbox/policy/what-if", {
      policy: { ...DEFAULT_FENCE_POLICY, removal: { ...DEFAULT_FENCE_POLICY.removal, classes: ["B", "D"] } },
    });
    expect(bad.status).toBe(400);
    expect(bad.type).toContain("application/problem+json");
    expect(bad.body!.code).toBe("VALIDATION_FAILED");
    expect(bad.body!.errors.map((x: { pointer: string }) => x.pointer)).toContain("/policy/removal/classes/0");
    const shapeless = await post(cityOfficer, "/v1/regulator/sandbox/policy/what-if", { policy: { admission: {} } });
    expect(shapeless.status).toBe(400);
    expect(shapeless.body!.errors.some((x: { pointer: string }) => x.pointer.startsWith("/policy"))).toBe(true);
    expect((await post(viewer, "/v1/regulator/sandbox/policy/what-if", { policy: candidateAB })).status).toBe(403);
  });
});

describe("monitoring rule what-if", () => {
  it("a stricter rule shows fewer warnings than a looser one; notices follow warn_and_notice; out-of-scope entities never counted", async () => {
    const before = await counts();
    const loose = await post(districtOfficer, "/v1/regulator/rules/what-if", { definition: complaintsRule("whatif.loose", 3), days: 30 });
    const strict = await post(districtOfficer, "/v1/regulator/rules/what-if", { definition: complaintsRule("whatif.strict", 6), days: 30 });
    expect(loose.status).toBe(200);
    expect(strict.status).toBe(200);
    expect(loose.body!.points).toHaveLength(5);
    expect(loose.body!.points.at(-1)).toBe(T.toISOString());
    // Loose: K6 and K3 (at the last point) and S (about ten complaints in any 30 days: a hit at
    // every point, one warning — the points span 28 days, inside one 30-day dedup window).
    expect(ids(loose.body!.warnings)).toEqual(of("K6", "K3", "S"));
    expect(ids(strict.body!.warnings)).toEqual(of("K6", "S"));
    expect(strict.body!.warnings.count).toBeLessThan(loose.body!.warnings.count);
    expect(loose.body!.warnings.byDistrict).toEqual([{ regionCode: "510104", count: loose.body!.warnings.count }]);
    expect(loose.body!.notices.count).toBe(loose.body!.warnings.count);
    expect(ids(loose.body!.warnings)).not.toContain(e.X6!.entityId);
    const record = await post(districtOfficer, "/v1/regulator/rules/what-if", { definition: complaintsRule("whatif.record", 3, { action: "record" }) });
    expect(record.body!.warnings.count).toBe(loose.body!.warnings.count);
    expect(record.body!.notices.count).toBe(0);
    const city = await post(cityOfficer, "/v1/regulator/rules/what-if", { definition: complaintsRule("whatif.loose", 3) });
    expect(ids(city.body!.warnings)).toEqual(of("K6", "K3", "S", "X6"));
    expect(await counts()).toEqual(before);
  });

  it("replays 90 days at weekly points, one warning per dedup window", async () => {
    const weekly = { metric: { events: { kind: "complaint", days: 7 } }, op: ">=", value: 1 };
    const wide = await post(districtOfficer, "/v1/regulator/rules/what-if", { definition: complaintsRule("whatif.s30", 1, { condition: weekly }), days: 90 });
    const narrow = await post(districtOfficer, "/v1/regulator/rules/what-if", { definition: complaintsRule("whatif.s7", 1, { condition: weekly, windowDays: 7 }), days: 90 });
    expect(wide.body!.points).toHaveLength(13);
    const sOf = (r: typeof wide) => r.body!.warnings.samples.find((x: { entityId: string }) => x.entityId === e.S!.entityId);
    // S hits at every point (T-84 ... T, 7 days apart): a 30-day window raises at T-84, T-56 and T-28.
    expect(sOf(wide).warnings).toBe(3);
    expect(sOf(wide).firstAt).toBe(ago(84));
    expect(sOf(narrow).warnings).toBe(13);
  });

  it("refuses a bad candidate with a field pointer; a viewer may not run it", async () => {
    const bad = await post(cityOfficer, "/v1/regulator/rules/what-if", {
      definition: complaintsRule("whatif.bad", 3, { condition: { metric: { indicator: "no_such_indicator" }, op: ">=", value: 1 } }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body!.code).toBe("VALIDATION_FAILED");
    expect(bad.body!.errors.map((x: { pointer: string }) => x.pointer)).toEqual(["/definition/condition/metric/indicator"]);
    const badDays = await post(cityOfficer, "/v1/regulator/rules/what-if", { definition: complaintsRule("whatif.days", 3), days: 60 });
    expect(badDays.status).toBe(400);
    expect(badDays.body!.errors.some((x: { pointer: string }) => x.pointer.includes("days"))).toBe(true);
    expect((await post(viewer, "/v1/regulator/rules/what-if", { definition: complaintsRule("whatif.v", 3) })).status).toBe(403);
    // Text PostgreSQL cannot store (a lone surrogate, sent as a JSON escape) is a 400 at its field, not a 500.
    const lone = await post(cityOfficer, "/v1/regulator/rules/what-if", { definition: complaintsRule("whatif.lone", 3, { nameZh: "半个\ud800" }) });
    expect(lone.status).toBe(400);
    expect(lone.body!.errors.map((x: { pointer: string }) => x.pointer)).toEqual(["/definition/nameZh"]);
  });
});

describe("dry runs at once", () => {
  it("while two dry runs hold this process's slots a third is refused with 429 and Retry-After; then it runs", async () => {
    // The test shares the gateway's process: two long dry runs are stood in for by held slots.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const holders = [inDryRunSlot(() => held), inDryRunSlot(() => held)];
    const refused = await post(cityOfficer, "/v1/regulator/rules/what-if", { definition: complaintsRule("whatif.busy", 3) });
    expect(refused.status).toBe(429);
    expect(refused.type).toContain("application/problem+json");
    expect(refused.body!.code).toBe("RATE_LIMITED");
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect((await post(cityOfficer, "/v1/regulator/sandbox/policy/what-if", { policy: candidateAB })).status).toBe(429);
    release();
    await Promise.all(holders);
    expect((await post(cityOfficer, "/v1/regulator/sandbox/policy/what-if", { policy: candidateAB })).status).toBe(200);
  });
});
