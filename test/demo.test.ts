// `npm run demo`, shortened: the whole timeline through the public interfaces (SDK platforms with
// verifying webhook receivers, merchant links, the regulator API) on this backend, and what the
// summary reports checked against the gateway's own records.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDemo, type DemoRun } from "../demo/run.js";
import { createTestDatabase, type TestDatabase } from "./support/db.js";

let t: TestDatabase;
let run: DemoRun;

beforeAll(async () => {
  t = await createTestDatabase();
  run = await runDemo({
    db: t.db,
    redisUrl: process.env.REDIS_URL,
    dataDir: t.url ? "postgres" : "memory://",
    port: 0,
    entities: 150,
    days: 22,
    stormDay: 3,
    seed: 7,
    progress: () => {},
  });
}, 300_000);
afterAll(async () => {
  await run?.close();
  await t?.drop();
});

const one = async <T>(q: ReturnType<typeof sql>) => (await t.db.rows<T & Record<string, unknown>>(q))[0]!;

describe("npm run demo (short)", () => {
  it("classifies every merchant, admits the low-risk and reports the city-shaped figures from the API", async () => {
    const s = run.summary;
    expect(s.entities).toBe(150);
    const byClass = await t.db.rows<{ c: string; n: number }>(sql`select risk_class as c, count(*)::int as n from entity group by 1`);
    expect(Object.fromEntries(byClass.map((r) => [r.c, Number(r.n)]))).toEqual(s.byClass);
    const inside = await one<{ n: number }>(sql`select count(*)::int as n from sandbox_membership where status = 'inside'`);
    expect(s.inSandbox).toBe(Number(inside.n));
    expect(s.inSandbox).toBeGreaterThan(0);
    expect(s.byClass.A + s.byClass.B).toBeGreaterThan(s.byClass.C + s.byClass.D);
  });

  it("turns the complaint storm into C/D classes, warnings and notices", async () => {
    expect(run.stormShops.length).toBeGreaterThanOrEqual(3);
    const ids = run.stormShops.map((s) => s.shopId);
    const classes = await t.db.rows<{ c: string }>(sql`
      select distinct e.risk_class as c from shop s join entity e on e.id = s.entity_id where s.platform_shop_id in ${sql`(select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`}`);
    expect(classes.every((r) => r.c === "C" || r.c === "D"), JSON.stringify(classes)).toBe(true);
    const storms = await one<{ n: number }>(sql`select count(*)::int as n from warning w where w.rule_key = 'complaints.storm_high_hazard'`);
    expect(Number(storms.n)).toBeGreaterThanOrEqual(1);
    expect(run.summary.warnings).toBe(Number((await one<{ n: number }>(sql`select count(*)::int as n from warning`)).n));
  });

  it("delivers every notice by verified webhook, and merchants, platforms and the officer close the loop", async () => {
    const s = run.summary;
    expect(s.webhooksRefused).toBe(0);
    expect(s.notices).toBeGreaterThan(0);
    // Every notice reached a merchant through a platform, and every platform confirmed delivery.
    expect(run.merchants.notices).toBe(s.notices);
    expect(s.delivered).toBe(s.notices);
    expect(s.rectified).toBeGreaterThan(0);
    expect(s.rectified).toBe(s.reviews.accepted);
    const cases = await t.db.rows<{ status: string; n: number }>(sql`select status, count(*)::int as n from rectification_case group by 1`);
    const byStatus = Object.fromEntries(cases.map((c) => [c.status, Number(c.n)]));
    expect(byStatus.accepted ?? 0).toBe(s.rectified);
    // Silent merchants' cases were escalated at their deadline.
    if (run.merchants.silent > 0) expect(s.escalated).toBeGreaterThan(0);
  });
});
