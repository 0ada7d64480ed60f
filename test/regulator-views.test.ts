// The regulator's classification views: the enriched entity profile (its prior and
// contributions add up to logit(p); reasons in words; history; shops; region scope 404) and
// the class distribution by region, category and platform, never wider than the caller's
// region scope.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logit } from "../src/scoring/index.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { loginRegulator, onboardPlatform, type LoggedInRegulator, type OnboardedPlatform } from "./support/platform.js";
import { seedEntities } from "./reclassify-seed.js";

let gw: TestGateway;
let a: OnboardedPlatform;
let b: OnboardedPlatform;
let city: LoggedInRegulator;
let jinjiang: LoggedInRegulator;
let ids: string[];
const N = 30;

beforeAll(async () => {
  gw = await startTestGateway();
  [a, b] = [await onboardPlatform(gw, { name: "Views A" }), await onboardPlatform(gw, { name: "Views B" })];
  ids = await seedEntities(gw.system.deps.db, { n: N, platformIds: [a.platformId, b.platformId] });
  const run = await gw.system.classification.ops.startRun({ actor: { kind: "cli" } }, { reason: "views" });
  const done = await gw.system.classification.ops.executeRun(run.runId, { owner: "test" });
  expect(["done", "busy"]).toContain(done.outcome);
  for (let i = 0; i < 200; i++) {
    if ((await gw.system.classification.ops.getRun({ actor: { kind: "cli" } }, { runId: run.runId })).status === "done") break;
    await new Promise((r) => setTimeout(r, 50));
  }
  city = await loginRegulator(gw, { role: "viewer", regionPrefix: "5101" });
  jinjiang = await loginRegulator(gw, { role: "viewer", regionPrefix: "510104" });
});
afterAll(async () => {
  await gw?.close();
});

const get = async (t: LoggedInRegulator, path: string) => {
  const res = await gw.fetch(path, { headers: { authorization: `Bearer ${t.token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe("entity profile", () => {
  it("explains the current class: prior + contributions = logit(p), reasons in words, history, shops per platform", async () => {
    // An entity with complaints and a violation, on both platforms (i = 21: 21 % 3 = 0).
    const [row] = await gw.system.deps.db.rows<{ id: string }>(sql`select id from entity where name = 'seed entity 21'`);
    const { status, body } = await get(city, `/v1/regulator/entities/${row!.id}`);
    expect(status).toBe(200);
    const p = body as {
      probability: number;
      logitPrior: number;
      contributions: { logLR: number }[];
      reasons: { textZh: string; textEn: string; logLR: number }[];
      riskClass: string;
      modelVersion: string;
      expectedLoss: number;
      loss: number;
      history: { riskClass: string; trigger: string; runId: string | null }[];
      shops: { platformName: string }[];
      related: unknown[];
      relatedOutsideScope: number;
    };
    const sum = p.logitPrior + p.contributions.reduce((s, c) => s + c.logLR, 0);
    expect(sum).toBeCloseTo(logit(p.probability), 9);
    expect(p.reasons.length).toBeGreaterThan(0);
    for (const r of p.reasons) expect(r.textEn.length * r.textZh.length).toBeGreaterThan(0);
    expect(p.expectedLoss).toBeCloseTo(p.probability * p.loss, 9);
    expect(p.history[0]).toMatchObject({ riskClass: p.riskClass, trigger: "run" });
    expect(p.modelVersion).toMatch(/./);
    expect(p.shops.map((s) => s.platformName).sort()).toEqual(["Views A", "Views B"]);
    expect(p.related).toEqual([]);
    expect(p.relatedOutsideScope).toBe(0);
  });

  it("is 404 outside the caller's region scope", async () => {
    const [outside] = await gw.system.deps.db.rows<{ id: string }>(sql`select id from entity where region_code = '510107' limit 1`);
    expect((await get(jinjiang, `/v1/regulator/entities/${outside!.id}`)).status).toBe(404);
    expect((await get(city, `/v1/regulator/entities/${outside!.id}`)).status).toBe(200);
    expect(ids).toHaveLength(N);
  });
});

type Dist = { scope: { regionPrefix: string }; counts: Record<string, number>; groups: ({ key: string; label?: string } & Record<string, number>)[] };

describe("class distribution", () => {
  it("groups by region inside the caller's scope, and a wider region never widens it", async () => {
    const all = (await get(city, "/v1/regulator/classes")).body as Dist;
    expect(all.counts.total).toBe(N);
    expect(all.counts.unclassified).toBe(0);
    expect(all.counts.A! + all.counts.B! + all.counts.C! + all.counts.D!).toBe(N);
    expect(all.groups.map((g) => g.key)).toEqual(["510104", "510107"]);
    expect(all.groups.map((g) => g.label)).toEqual(["锦江区", "武侯区"]); // DESIGN §7 names
    const district = (await get(jinjiang, "/v1/regulator/classes?region=51")).body as Dist;
    expect(district.scope.regionPrefix).toBe("510104");
    expect(district.groups.map((g) => g.key)).toEqual(["510104"]);
    const { key: _key, label: _label, ...jinjiangGroup } = all.groups.find((g) => g.key === "510104")!;
    expect(district.counts).toEqual(jinjiangGroup);
    expect(district.counts.total).toBe(N / 2);
    const disjoint = (await get(jinjiang, "/v1/regulator/classes?region=510107")).body as Dist;
    expect(disjoint.counts.total).toBe(0);
  });

  it("groups by category and by platform (an entity on two platforms counts in both groups, once in the total)", async () => {
    const byCategory = (await get(city, "/v1/regulator/classes?groupBy=category")).body as Dist;
    expect(byCategory.groups.reduce((s, g) => s + g.total!, 0)).toBe(N);
    const byPlatform = (await get(city, "/v1/regulator/classes?groupBy=platform")).body as Dist;
    expect(byPlatform.counts.total).toBe(N);
    const groups = Object.fromEntries(byPlatform.groups.map((g) => [g.label, g.total]));
    expect(groups).toEqual({ "Views A": N, "Views B": N / 3 });
    const onlyB = (await get(jinjiang, `/v1/regulator/classes?groupBy=platform&platform=${b.platformId}`)).body as Dist;
    expect(onlyB.groups).toHaveLength(1);
    expect(onlyB.counts.total).toBe(5); // i in 1..30 with i % 3 = 0 and i even (510104): 6, 12, 18, 24, 30
  });
});
