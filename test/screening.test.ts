// The screening tool end to end through HTTP: the catalogue, count and keyset-paged runs over
// tags classification wrote, AND/OR groups, in-lists and "changed within N days", refusals that
// point at the bad part, the region scope AND-ed into every statement, saved screenings owned
// by their author (audited) and the streamed CSV export.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { components } from "../src/generated/openapi.js";
import { walkScreening } from "../src/screening/query.js";
import { regulatorCall } from "./notices-fixtures.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { loginRegulator, type LoggedInRegulator } from "./support/platform.js";
import { ok, seedToolsPopulation, type ToolsPopulation } from "./tools-fixtures.js";

type Page = components["schemas"]["ScreeningPage"];
type Saved = components["schemas"]["SavedScreening"];

let gw: TestGateway;
let pop: ToolsPopulation;
let city: LoggedInRegulator;
let jinjiang: LoggedInRegulator;
let wuhou: LoggedInRegulator;

const complainedFood = { all: [{ item: "category", op: "eq", value: "food" }, { item: "complaints_90d", op: "gt", value: 0 }] };

beforeAll(async () => {
  gw = await startTestGateway();
  pop = await seedToolsPopulation(gw);
  city = await loginRegulator(gw, { role: "viewer", regionPrefix: "5101" });
  jinjiang = await loginRegulator(gw, { role: "officer", regionPrefix: "510104" });
  wuhou = await loginRegulator(gw, { role: "officer", regionPrefix: "510107" });
}, 180_000);
afterAll(async () => {
  await gw?.close();
});

const count = async (who: LoggedInRegulator, conditions: unknown, region?: string) =>
  (await ok<{ count: number }>(await regulatorCall(gw, who, "POST", "/v1/regulator/screenings/count", { conditions, ...(region ? { region } : {}) }))).count;
async function runAll(who: LoggedInRegulator, conditions: unknown, limit = 2): Promise<Page["rows"]> {
  const out: Page["rows"] = [];
  let cursor: string | null | undefined;
  do {
    const page = await ok<Page>(await regulatorCall(gw, who, "POST", "/v1/regulator/screenings/run", { conditions, limit, ...(cursor ? { cursor } : {}) }));
    expect(page.rows.length).toBeLessThanOrEqual(limit);
    out.push(...page.rows);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}
const sorted = (xs: readonly string[]) => [...xs].sort();

describe("the screening catalogue", () => {
  it("documents at least 42 items over three families and six layers", async () => {
    const cat = await ok<components["schemas"]["ScreeningCatalogue"]>(await regulatorCall(gw, city, "GET", "/v1/regulator/screening/items"));
    expect(cat.items.length).toBeGreaterThanOrEqual(42);
    expect(new Set(cat.items.map((i) => i.family))).toEqual(new Set(["object", "performance", "classification"]));
    expect(new Set(cat.items.map((i) => i.layer))).toEqual(new Set(["registration", "licensing", "disclosure", "supervision", "enforcement", "credit"]));
    expect(new Set(cat.items.map((i) => i.key)).size).toBe(cat.items.length);
    for (const i of cat.items) {
      expect(i.labelZh, i.key).toMatch(/[\u4e00-\u9fff]/);
      expect(i.source.length, i.key).toBeGreaterThan(3);
      expect(i.description.length, i.key).toBeGreaterThan(3);
    }
    expect(cat.layers.map((l) => l.labelZh)).toContain("执法检查");
  });

  it("answers every catalogue item with each of its operators (the SQL of each compiles and runs)", async () => {
    const cat = await ok<components["schemas"]["ScreeningCatalogue"]>(await regulatorCall(gw, city, "GET", "/v1/regulator/screening/items"));
    const sample = (i: (typeof cat.items)[number]) =>
      i.type === "number" ? { item: i.key, op: "between", value: [-1e9, 1e9] }
      : i.type === "bool" ? { item: i.key, op: "eq", value: true }
      : i.type === "date" ? { item: i.key, op: "after", value: "2000-01-01" }
      : { item: i.key, op: "in", value: [i.levels?.[0] ?? "510104"] };
    const half = Math.ceil(cat.items.length / 2);
    for (const part of [cat.items.slice(0, half), cat.items.slice(half)]) {
      expect(await count(city, { any: part.map(sample) })).toBeGreaterThan(0);
      expect(await count(city, { any: part.map((i) => ({ item: i.key, op: "is_null" })) })).toBeGreaterThanOrEqual(0);
    }
  });
});

describe("count and run", () => {
  it("count and the paged rows agree with what was seeded, inside the caller's scope only", async () => {
    expect(await count(city, complainedFood)).toBe(pop.jinjiangFoodComplained.length + pop.wuhouFoodComplained.length);
    expect(await count(jinjiang, complainedFood)).toBe(pop.jinjiangFoodComplained.length);
    expect(await count(wuhou, complainedFood)).toBe(pop.wuhouFoodComplained.length);
    // A region outside the caller's scope narrows to nothing, never widens.
    expect(await count(jinjiang, complainedFood, "510107")).toBe(0);
    expect(await count(city, complainedFood, "510107")).toBe(pop.wuhouFoodComplained.length);

    const rows = await runAll(city, complainedFood);
    expect(sorted(rows.map((r) => r.entityId))).toEqual(sorted([...pop.jinjiangFoodComplained, ...pop.wuhouFoodComplained]));
    expect(rows.map((r) => r.entityId)).toEqual(sorted(rows.map((r) => r.entityId)));
    expect(rows.every((r) => r.category === "food" && (r.tags.complaints_90d as number) > 0)).toBe(true);
    const mine = await runAll(jinjiang, complainedFood);
    expect(sorted(mine.map((r) => r.entityId))).toEqual(sorted(pop.jinjiangFoodComplained));
  });

  it("OR groups, in-lists, ranges and 'changed within N days'", async () => {
    const orGroup = { any: [{ item: "category", op: "in", value: ["apparel"] }, complainedFood] };
    const apparel = Object.keys(pop.ids).filter((k) => k.includes("apparel")).map((k) => pop.ids[k]!);
    expect(await count(city, orGroup)).toBe(apparel.length + pop.jinjiangFoodComplained.length + pop.wuhouFoodComplained.length);
    // One class began two days ago, the others long before: "changed within 7 days" finds the one.
    const db = gw.system.deps.db;
    const now = Date.now();
    await db.orm.execute(sql`update entity set class_since = ${new Date(now - 100 * 86_400_000).toISOString()}::timestamptz`);
    await db.orm.execute(sql`update entity set class_since = ${new Date(now - 2 * 86_400_000).toISOString()}::timestamptz where id = ${pop.ids["jj-apparel-0"]!}::uuid`);
    expect(await count(city, { item: "risk_class", op: "changed_within_days", value: 7 })).toBe(1);
    expect(await count(city, { item: "class_since", op: "changed_within_days", value: 7 })).toBe(1);
    expect(await count(city, { item: "risk_class", op: "changed_within_days", value: 365 })).toBe(Object.keys(pop.ids).length);
    expect(await count(city, { item: "class_since", op: "before", value: "2000-01-01" })).toBe(0);
    expect(await count(city, { all: [{ item: "district", op: "eq", value: "510104" }, { item: "complaints_90d", op: "between", value: [0.0001, 1000] }] })).toBe(pop.jinjiangFoodComplained.length);
    expect(await count(city, { item: "sandbox_status", op: "in", value: ["inside", "outside", "never"] })).toBe(Object.keys(pop.ids).length);
  });

  it("refuses unknown items, operators and values with a pointer to each", async () => {
    const bad = await regulatorCall(gw, city, "POST", "/v1/regulator/screenings/count", {
      conditions: { all: [{ item: "category", op: "eq", value: "food" }, { item: "no_such_item", op: "eq", value: 1 }, { item: "complaints_90d", op: "contains", value: 1 }, { item: "category", op: "eq", value: "food'; drop table entity; --" }] },
    });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { code: string; errors: Array<{ pointer: string }> };
    expect(body.code).toBe("VALIDATION_FAILED");
    expect(body.errors.map((e) => e.pointer)).toEqual(["/conditions/all/1/item", "/conditions/all/2/op", "/conditions/all/3/value"]);
    const cursor = await regulatorCall(gw, city, "POST", "/v1/regulator/screenings/run", { conditions: complainedFood, cursor: "garbage" });
    expect(cursor.status).toBe(400);
    const empty = await regulatorCall(gw, city, "POST", "/v1/regulator/screenings/count", { conditions: { all: [] } });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { errors: Array<{ pointer: string }> }).errors[0]!.pointer).toMatch(/^\/conditions/);
  });
});

describe("saved screenings and the export", () => {
  let saved: Saved;
  it("saves, lists and re-runs a screening for its owner only, audited", async () => {
    saved = await ok<Saved>(await regulatorCall(gw, jinjiang, "POST", "/v1/regulator/screenings/saved", { name: "高投诉食品商户", conditions: complainedFood }), 201);
    expect(saved).toMatchObject({ name: "高投诉食品商户", regionPrefix: "510104", lastCount: null });
    const list = await ok<{ screenings: Saved[] }>(await regulatorCall(gw, jinjiang, "GET", "/v1/regulator/screenings/saved"));
    expect(list.screenings.map((s) => s.screeningId)).toEqual([saved.screeningId]);
    expect((await ok<{ screenings: Saved[] }>(await regulatorCall(gw, wuhou, "GET", "/v1/regulator/screenings/saved"))).screenings).toEqual([]);
    expect((await regulatorCall(gw, wuhou, "GET", `/v1/regulator/screenings/saved/${saved.screeningId}`)).status).toBe(404);
    expect((await regulatorCall(gw, city, "POST", `/v1/regulator/screenings/saved/${saved.screeningId}/run`, {})).status).toBe(404);

    const rerun = await ok<Page & { count: number; screening: Saved }>(await regulatorCall(gw, jinjiang, "POST", `/v1/regulator/screenings/saved/${saved.screeningId}/run`, { limit: 100 }));
    expect(rerun.count).toBe(pop.jinjiangFoodComplained.length);
    expect(sorted(rerun.rows.map((r) => r.entityId))).toEqual(sorted(pop.jinjiangFoodComplained));
    expect(rerun.screening.lastCount).toBe(pop.jinjiangFoodComplained.length);
    const audit = await gw.system.deps.db.rows<{ action: string }>(sql`select action from audit_log where subject_id = ${saved.screeningId}`);
    expect(audit.map((a) => a.action).sort()).toEqual(["screening.run", "screening.save"]);
  });

  it("exports the saved screening as a streamed CSV with a BOM, audited", async () => {
    const res = await regulatorCall(gw, jinjiang, "GET", `/v1/regulator/screenings/saved/${saved.screeningId}/export.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder().decode(bytes.slice(3)).trimEnd().split("\r\n");
    expect(lines[0]).toBe("主体ID,名称,统一社会信用代码,区划代码,经营类别,主体类型,风险等级,沙盒状态,经营类别,近期投诉");
    expect(sorted(lines.slice(1).map((l) => l.split(",")[0]!))).toEqual(sorted(pop.jinjiangFoodComplained));
    expect((await regulatorCall(gw, wuhou, "GET", `/v1/regulator/screenings/saved/${saved.screeningId}/export.csv`)).status).toBe(404);
    const audit = await gw.system.deps.db.rows<{ action: string; actor: string }>(sql`select action, actor from audit_log where subject_id = ${saved.screeningId} order by seq`);
    expect(audit.map((a) => a.action)).toEqual(["screening.save", "screening.run", "screening.export"]);
  });

  it("walks a result in keyset chunks: every row once, in id order", async () => {
    const chunks: number[] = [];
    const seen: string[] = [];
    for await (const chunk of walkScreening(gw.system.deps.db, { scope: "5101", conditions: { item: "category", op: "in", value: ["food", "apparel"] }, now: new Date() }, 3)) {
      chunks.push(chunk.length);
      seen.push(...chunk.map((r) => r.entityId));
    }
    expect(Math.max(...chunks)).toBe(3);
    expect(seen).toEqual(sorted(Object.values(pop.ids)));
  });
});
