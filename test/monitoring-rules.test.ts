// Each built-in monitoring rule fires on a case built for it and stays silent on a near miss.
// Cases are seeded directly (entities, shops, events) and evaluated together in ONE call, the
// way classification's hook evaluates a chunk: set-based, indicators computed by
// classification's own computeFeatures (or passed in, as the hook does). Both backends.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeFeatures } from "../src/classification/index.js";
import { refreshLinks } from "../src/classification/relationships.js";
import { ManualClock } from "../src/clock.js";
import type { IndicatorRow } from "../src/scoring/index.js";
import { DAY, evaluate, seeder, spread, warningsOf, type Seeded, type Seeder } from "./monitoring-fixtures.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

const T = new Date("2026-06-15T00:00:00Z");
const ago = (days: number) => new Date(T.getTime() - days * DAY);
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

let gw: TestGateway;
let s: Seeder;
const cases: Record<string, Seeded> = {};
const fired = new Map<string, Set<string>>();

async function build(): Promise<void> {
  const m = (name: string, o?: Parameters<Seeder["merchant"]>[0]) => s.merchant(o).then((x) => (cases[name] = x));
  // complaints.high_frequency: 10 complaints in 30 days (count), or 3 with a high rate per order
  await m("hf.count", { category: "apparel" });
  await s.events(cases["hf.count"]!, "complaint", spread(T, 10, 29, 8), { channel: "platform", reason: "late" });
  await m("hf.count.miss", { category: "apparel" });
  await s.events(cases["hf.count.miss"]!, "complaint", spread(T, 9, 29, 8), { channel: "platform", reason: "late" });
  for (const [name, orders] of [["hf.rate", 400], ["hf.rate.miss", 4000]] as const) {
    await m(name, { category: "apparel" });
    await s.events(cases[name]!, "complaint", spread(T, 3, 20, 8), { channel: "platform", reason: "late" });
    await s.events(cases[name]!, "sales_summary", [ago(5)], { periodStart: isoDay(ago(95)), periodEnd: isoDay(ago(5)), orders, gmvCents: orders * 5000, refunds: 0 });
  }
  // complaints.storm_high_hazard: 20+ complaints in 7 days against a high-hazard category
  await m("storm", { category: "food" });
  await s.events(cases.storm!, "complaint", spread(T, 25, 6.5, 0.1), { channel: "hotline_12315", reason: "food poisoning" });
  await m("storm.miss.count", { category: "food" });
  await s.events(cases["storm.miss.count"]!, "complaint", spread(T, 19, 6.5, 0.1), { channel: "platform", reason: "stale" });
  await m("storm.miss.category", { category: "apparel" });
  await s.events(cases["storm.miss.category"]!, "complaint", spread(T, 25, 6.5, 0.1), { channel: "platform", reason: "size" });
  // complaints.sudden_growth: 5 in 7 days at >= 3x the rate of the 8 weeks before
  for (const [name, baseline, recent] of [["growth", 8, 5], ["growth.miss.rate", 16, 5], ["growth.miss.count", 0, 4], ["growth.empty", 0, 5]] as const) {
    await m(name, { category: "apparel" });
    if (baseline > 0) await s.events(cases[name]!, "complaint", spread(T, baseline, 62, 8), { channel: "platform", reason: "x" });
    await s.events(cases[name]!, "complaint", spread(T, recent, 6.5, 0.1), { channel: "platform", reason: "x" });
  }
  // licence.inconsistent_or_expired
  const licence = (validUntil: Date) => [{ type: "food_business", number: "JY1", validUntil: isoDay(validUntil) }];
  await m("licence.expired", { category: "food", licences: licence(ago(10)) });
  await m("licence.mismatch", { category: "food", licences: licence(ago(-400)) });
  await s.events(cases["licence.mismatch"]!, "licence", [ago(30)], { type: "food_business", number: "JY1", validUntil: isoDay(ago(-400)), registryMatch: false });
  await m("licence.miss", { category: "food", licences: licence(ago(-30)) }); // expiring soon, not expired
  // region.prohibited_business_type: drugs prohibited in 510105
  await m("prohibited", { category: "drugs", region: "510105" });
  await m("prohibited.miss.region", { category: "drugs", region: "510104" });
  await m("prohibited.miss.category", { category: "cosmetics", region: "510105" });
  // address.abnormal_cluster: 6 entities at one address (5 others each) vs 5 at another
  for (let i = 0; i < 6; i++) await m(`cluster.${i}`, { category: "apparel", address: "88 Cluster Street, Jinjiang" });
  for (let i = 0; i < 5; i++) await m(`pair.${i}`, { category: "apparel", address: "99 Quiet Lane, Jinjiang" });
  // litigation.defendant: a lawsuit as defendant in the last 12 months
  await m("litigation", { category: "apparel" });
  await s.events(cases.litigation!, "litigation", [ago(100)], { role: "defendant", caseType: "contract" });
  await m("litigation.miss.role", { category: "apparel" });
  await s.events(cases["litigation.miss.role"]!, "litigation", [ago(100)], { role: "plaintiff", caseType: "contract" });
  await m("litigation.miss.old", { category: "apparel" });
  await s.events(cases["litigation.miss.old"]!, "litigation", [ago(400)], { role: "defendant", caseType: "contract" });
  // registration.abnormal_changes (indicator passed in, as classification's hook passes them)
  await m("changes", { category: "apparel" });
  await m("changes.miss", { category: "apparel" });
}

beforeAll(async () => {
  gw = await startTestGateway({ clock: new ManualClock(T) });
  const db = gw.system.deps.db;
  s = await seeder(db);
  await build();
  await db.orm.execute(sql`insert into prohibited_business_type (id, category, region_prefix, created_by) values (gen_random_uuid(), 'drugs', '510105', 'test')`);
  const ids = Object.values(cases).map((c) => c.entityId);
  await db.transaction((tx) => refreshLinks(tx, ids, T));
  // The hook passes classification's indicator rows; here for two entities (the rest are computed).
  const given = await computeFeatures(db.orm, [cases.changes!.entityId, cases["changes.miss"]!.entityId], T);
  const indicators = new Map<string, IndicatorRow>([
    [cases.changes!.entityId, { ...given.get(cases.changes!.entityId)!, record_changes_365d: 3 }],
    [cases["changes.miss"]!.entityId, { ...given.get(cases["changes.miss"]!.entityId)!, record_changes_365d: 2 }],
  ]);
  const outcome = await evaluate(gw, { entityIds: ids, asOf: T, indicators, trigger: "run" });
  expect(outcome.entities).toBe(ids.length);
  const rows = await db.rows<{ entity_id: string; rule_key: string }>(sql`select entity_id::text as entity_id, rule_key from warning`);
  for (const r of rows) {
    if (!fired.has(r.entity_id)) fired.set(r.entity_id, new Set());
    fired.get(r.entity_id)!.add(r.rule_key);
  }
}, 120_000);
afterAll(async () => {
  await gw?.close();
});

const rulesOf = (name: string) => fired.get(cases[name]!.entityId) ?? new Set<string>();

describe("built-in monitoring rules: fire on their case, silent on a near miss", () => {
  const table: Array<[rule: string, fires: string[], silent: string[]]> = [
    ["complaints.high_frequency", ["hf.count", "hf.rate"], ["hf.count.miss", "hf.rate.miss"]],
    ["complaints.storm_high_hazard", ["storm"], ["storm.miss.count", "storm.miss.category", "hf.count"]],
    ["complaints.sudden_growth", ["growth", "growth.empty", "storm"], ["growth.miss.rate", "growth.miss.count", "hf.count"]],
    ["licence.inconsistent_or_expired", ["licence.expired", "licence.mismatch"], ["licence.miss", "hf.count"]],
    ["region.prohibited_business_type", ["prohibited"], ["prohibited.miss.region", "prohibited.miss.category"]],
    ["address.abnormal_cluster", ["cluster.0", "cluster.5"], ["pair.0", "pair.4", "hf.count"]],
    ["litigation.defendant", ["litigation"], ["litigation.miss.role", "litigation.miss.old"]],
    ["registration.abnormal_changes", ["changes"], ["changes.miss", "hf.count"]],
  ];
  it.each(table)("%s", (rule, fires, silent) => {
    for (const name of fires) expect([...rulesOf(name)], `${name} should fire ${rule}`).toContain(rule);
    for (const name of silent) expect([...rulesOf(name)], `${name} should not fire ${rule}`).not.toContain(rule);
  });

  it("evidence carries the figures and at most 20 event references", async () => {
    const [w] = (await warningsOf(gw.system.deps.db, cases.storm!.entityId)).filter((x) => x.rule_key === "complaints.storm_high_hazard");
    expect(w).toMatchObject({ severity: "high", action: "warn_and_notice", status: "open", hit_count: 1 });
    const figures = w!.evidence.figures;
    expect(figures.find((f) => "entity" in f.metric)?.value).toBe("food");
    const count = figures.find((f) => "events" in f.metric)!;
    expect(count.value).toBe(25);
    expect(count.events).toHaveLength(20);
    expect(count.events![0]).toMatchObject({ kind: "complaint", platformId: s.platformId, platformEventId: expect.stringMatching(/^ev-/) });
    const times = count.events!.map((e) => Date.parse(e.occurredAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times); // newest first
  });

  it("a warning.raised job exists for each new warning whose action is not record", async () => {
    const db = gw.system.deps.db;
    const [{ n }] = (await db.rows<{ n: number }>(sql`
      select count(*)::int as n from warning w
      where w.action <> 'record' and not exists (select 1 from outbox o where o.job = 'warning.raised' and o.payload->>'warningId' = w.id::text)`)) as [{ n: number }];
    expect(Number(n)).toBe(0);
  });

  it("is set-based: the same number of statements for 2 entities as for all of them", async () => {
    const db = gw.system.deps.db;
    const count = async (ids: string[]) => {
      let n = 0;
      await db.transaction(async (tx) => {
        const counting = new Proxy(tx, {
          get(target, prop, receiver) {
            if (prop === "execute") return (...args: unknown[]) => (n++, (target.execute as (...a: unknown[]) => unknown)(...args));
            return Reflect.get(target, prop, receiver);
          },
        });
        await gw.system.monitoring.evaluate(counting, { entityIds: ids, asOf: T, trigger: "run" });
      });
      return n;
    };
    const all = Object.values(cases).map((c) => c.entityId);
    const few = [cases.storm!.entityId, cases.litigation!.entityId];
    const statements = await count(few);
    expect(statements).toBeGreaterThanOrEqual(6); // rules, facts, features (2), windows, evidence, warnings, jobs
    expect(await count(all)).toBe(statements);
  });
});
