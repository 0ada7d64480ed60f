// Double-random inspection draws end to end through HTTP: exact per-class sample sizes from a
// seed, inspectors assigned without conflicts and with the load spread, the same record always
// re-drawing to the same list (verification), immutability, the region scope, and inspection
// results that become training labels.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeFeatures } from "../src/classification/index.js";
import { labelledSet } from "../src/classification/lifecycle-train.js";
import { parseArgs } from "../src/cli/args.js";
import { toRequest } from "../src/cli/commands.js";
import { runOperation } from "../src/cli/operations.js";
import { assignInspectors, selectMembers, type Inspector, type Member } from "../src/inspections/draw.js";
import type { components } from "../src/generated/openapi.js";
import { regulatorCall } from "./notices-fixtures.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { loginRegulator, type LoggedInRegulator } from "./support/platform.js";
import { ok, seedToolsPopulation, type ToolsPopulation } from "./tools-fixtures.js";

type Draw = components["schemas"]["InspectionDraw"];
type Verification = components["schemas"]["InspectionDrawVerification"];

let gw: TestGateway;
let pop: ToolsPopulation;
let officer: LoggedInRegulator;
let viewer: LoggedInRegulator;
let wuhou: LoggedInRegulator;
let city: LoggedInRegulator;
const classes: Record<string, string> = {};

const pool = () => [
  { id: "insp-1", name: "王敏", districts: ["510104"], conflicts: [pop.ids["jj-food-complained-0"]!] },
  { id: "insp-2", name: "李强", districts: ["510104"], conflicts: [] },
  { id: "insp-3", name: "张伟", districts: ["510104"], conflicts: [pop.ids["jj-food-complained-0"]!, pop.ids["jj-apparel-1"]!] },
  { id: "insp-4", name: "刘洋", districts: ["510107"], conflicts: [] },
];
const body = (over: Record<string, unknown> = {}) => ({
  name: "2026 年第一季度双随机抽查",
  population: { conditions: { item: "category", op: "in", value: ["food", "apparel"] } },
  ratios: { A: 0.5, B: 0.5, C: 1, D: 1, unclassified: 1 },
  inspectors: pool(),
  seed: "seed-one",
  ...over,
});

beforeAll(async () => {
  gw = await startTestGateway();
  pop = await seedToolsPopulation(gw);
  officer = await loginRegulator(gw, { role: "officer", regionPrefix: "510104" });
  viewer = await loginRegulator(gw, { role: "viewer", regionPrefix: "510104" });
  wuhou = await loginRegulator(gw, { role: "officer", regionPrefix: "510107" });
  city = await loginRegulator(gw, { role: "viewer", regionPrefix: "5101" });
  for (const r of await gw.system.deps.db.rows<{ id: string; c: string }>(sql`select id::text as id, coalesce(risk_class, 'unclassified') as c from entity`)) classes[r.id] = r.c;
}, 180_000);
afterAll(async () => {
  await gw?.close();
});

const draw = async (who: LoggedInRegulator, over: Record<string, unknown> = {}) => ok<Draw>(await regulatorCall(gw, who, "POST", "/v1/regulator/inspections/draws", body(over)), 201);

describe("a draw", () => {
  let first: Draw;
  it("draws ceil(ratio × size) per class from the caller's district, assigning inspectors without conflicts and spreading load", async () => {
    first = await draw(officer);
    expect(first.regionPrefix).toBe("510104");
    expect(first.populationCount).toBe(pop.jinjiang.length);
    const inDistrict = pop.jinjiang;
    const sizes: Record<string, number> = {};
    for (const id of inDistrict) sizes[classes[id]!] = (sizes[classes[id]!] ?? 0) + 1;
    const ratios: Record<string, number> = { A: 0.5, B: 0.5, C: 1, D: 1, unclassified: 1 };
    for (const [c, n] of Object.entries(sizes)) {
      expect(first.byClass[c], c).toEqual({ population: n, ratio: ratios[c], drawn: Math.ceil(n * ratios[c]!) });
      expect(first.assignments.filter((a) => a.riskClass === c)).toHaveLength(Math.ceil(n * ratios[c]!));
    }
    const drawn = first.assignments.map((a) => a.entityId);
    expect(new Set(drawn).size).toBe(drawn.length);
    expect(drawn.every((id) => inDistrict.includes(id) && classes[id] === first.assignments.find((a) => a.entityId === id)!.riskClass)).toBe(true);
    const conflicts = new Map(pool().map((p) => [p.id, new Set(p.conflicts)]));
    for (const a of first.assignments) {
      expect(a.inspectors).toHaveLength(2);
      expect(new Set(a.inspectors).size).toBe(2);
      for (const i of a.inspectors) expect(conflicts.get(i)!.has(a.entityId), `${i} conflicts with ${a.entityId}`).toBe(false);
    }
    // The district's own inspectors take the work; the 武侯 inspector only where conflicts leave too few.
    const conflictedEverywhere = pop.ids["jj-food-complained-0"]!;
    for (const a of first.assignments) {
      if (a.entityId === conflictedEverywhere) expect(a).toMatchObject({ outsideDistrict: true });
      else expect(a.inspectors.includes("insp-4")).toBe(false);
    }
    const loads = ["insp-1", "insp-2", "insp-3"].map((i) => first.load[i]!);
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(2);
    expect(loads.reduce((a, b) => a + b, 0) + first.load["insp-4"]!).toBe(first.assignments.length * 2);
  });

  it("is reproducible: the same seed and population give the same list, another seed another draw", async () => {
    const again = await draw(officer);
    expect(again.drawId).not.toBe(first.drawId);
    expect(again.assignments).toEqual(first.assignments);
    expect(again.populationDigest).toBe(first.populationDigest);
    expect(again.resultDigest).toBe(first.resultDigest);
    const seeds = await Promise.all(["s-2", "s-3", "s-4", "s-5"].map((seed) => draw(officer, { seed })));
    expect(seeds.some((d) => JSON.stringify(d.assignments) !== JSON.stringify(first.assignments))).toBe(true);
    const generated = await draw(officer, { seed: undefined });
    expect(generated.seed).toMatch(/^[0-9a-f]{32}$/);
  });

  it("verifies from its record, and notices a population that is not the one recorded", async () => {
    const v = await ok<Verification>(await regulatorCall(gw, city, "GET", `/v1/regulator/inspections/draws/${first.drawId}/verification`));
    expect(v).toMatchObject({ drawId: first.drawId, matches: true, populationMatches: true, resultMatches: true, recordedResultDigest: first.resultDigest });
    const db = gw.system.deps.db;
    const refused = async (q: Promise<unknown>) => {
      const err = (await q.then(() => null, (e: unknown) => e)) as { message?: string; cause?: { message?: string } } | null;
      expect(`${err?.message} ${err?.cause?.message}`).toMatch(/append-only/);
    };
    await refused(db.orm.execute(sql`update inspection_draw set seed = 'other' where id = ${first.drawId}::uuid`));
    await refused(db.orm.execute(sql`delete from inspection_draw_member where draw_id = ${first.drawId}::uuid`));
    const tampered = await draw(officer, { seed: "tamper" });
    await db.orm.execute(sql`insert into inspection_draw_member (draw_id, risk_class, entity_id, region_code) values (${tampered.drawId}::uuid, 'A', ${pop.ids["wh-apparel-0"]!}::uuid, '510107')`);
    const bad = await ok<Verification>(await regulatorCall(gw, officer, "GET", `/v1/regulator/inspections/draws/${tampered.drawId}/verification`));
    expect(bad.populationMatches).toBe(false);
    expect(bad.matches).toBe(false);
    // The published population, paged, re-draws to the published list outside the gateway.
    const members: Member[] = [];
    let cursor: string | null = null;
    do {
      const page: { members: Member[]; nextCursor: string | null; populationDigest: string } = await ok(
        await regulatorCall(gw, city, "GET", `/v1/regulator/inspections/draws/${first.drawId}/population?limit=3${cursor ? `&cursor=${cursor}` : ""}`),
      );
      expect(page.populationDigest).toBe(first.populationDigest);
      members.push(...page.members);
      cursor = page.nextCursor;
    } while (cursor);
    expect(members).toHaveLength(first.populationCount);
    const sizes: Record<string, number> = {};
    for (const m of members) sizes[m.riskClass] = (sizes[m.riskClass] ?? 0) + 1;
    const inputs = first.inputs as { ratios: Record<string, number>; inspectors: Inspector[]; inspectorsPerEntity: number };
    const outside = await selectMembers((async function* () { yield members; })(), sizes, inputs.ratios, first.seed);
    expect(outside.populationDigest).toBe(first.populationDigest);
    expect(assignInspectors(outside.selected, inputs.inspectors, inputs.inspectorsPerEntity, first.seed).assignments).toEqual(first.assignments);
    expect((await regulatorCall(gw, wuhou, "GET", `/v1/regulator/inspections/draws/${first.drawId}/population`)).status).toBe(404);
    // The operator's verification command runs the same re-draw.
    const cli = async (drawId: string) =>
      (await runOperation(
        { db, clock: gw.clock, rotateGatewayKey: () => Promise.reject(new Error("unused")) },
        await toRequest(parseArgs(["inspection", "verify", "--draw", drawId])),
      )) as Verification;
    expect(await cli(first.drawId)).toMatchObject({ matches: true, resultDigest: first.resultDigest });
    expect(await cli(tampered.drawId)).toMatchObject({ matches: false, populationMatches: false });
    const audit = await db.rows<{ action: string }>(sql`select action from audit_log where subject_id = ${first.drawId}`);
    expect(audit.map((a) => a.action)).toEqual(["inspection.draw"]);
  });

  it("stays inside the drawer's region: a 武侯 officer draws 武侯 only and cannot see 锦江's draws", async () => {
    const own = await draw(wuhou);
    expect(own.regionPrefix).toBe("510107");
    expect(own.populationCount).toBe(pop.wuhou.length);
    expect(own.assignments.every((a) => a.regionCode === "510107")).toBe(true);
    expect((await regulatorCall(gw, wuhou, "POST", "/v1/regulator/inspections/draws", body({ region: "510104" }))).status).toBe(403);
    expect((await regulatorCall(gw, wuhou, "GET", `/v1/regulator/inspections/draws/${first.drawId}`)).status).toBe(404);
    expect((await regulatorCall(gw, wuhou, "GET", `/v1/regulator/inspections/draws/${first.drawId}/verification`)).status).toBe(404);
    expect((await regulatorCall(gw, viewer, "POST", "/v1/regulator/inspections/draws", body())).status).toBe(403);
    const list = await ok<{ draws: Array<{ drawId: string; regionPrefix: string }> }>(await regulatorCall(gw, wuhou, "GET", "/v1/regulator/inspections/draws"));
    expect(list.draws.map((d) => d.drawId)).toEqual([own.drawId]);
    const cityList = await ok<{ draws: Array<{ drawId: string }> }>(await regulatorCall(gw, city, "GET", "/v1/regulator/inspections/draws?limit=100"));
    expect(cityList.draws.map((d) => d.drawId)).toContain(first.drawId);
    expect(cityList.draws.map((d) => d.drawId)).toContain(own.drawId);
  });

  it("draws from a saved screening of the caller's", async () => {
    const saved = await ok<{ screeningId: string }>(
      await regulatorCall(gw, officer, "POST", "/v1/regulator/screenings/saved", { name: "食品", conditions: { item: "category", op: "eq", value: "food" } }),
      201,
    );
    const d = await draw(officer, { population: { screeningId: saved.screeningId }, ratios: { A: 1, B: 1, C: 1, D: 1, unclassified: 1 } });
    const food = Object.keys(pop.ids).filter((k) => k.startsWith("jj-food")).map((k) => pop.ids[k]!);
    expect(d.assignments.map((a) => a.entityId).sort()).toEqual(food.sort());
    expect((await regulatorCall(gw, wuhou, "POST", "/v1/regulator/inspections/draws", body({ population: { screeningId: saved.screeningId } }))).status).toBe(404);
    const invalid = await regulatorCall(gw, officer, "POST", "/v1/regulator/inspections/draws", body({ population: { conditions: { item: "nope", op: "eq", value: 1 } } }));
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { errors: Array<{ pointer: string }> }).errors[0]!.pointer).toBe("/population/conditions/item");
  });

  it("records inspection results once per drawn entity; a violation becomes a training label", async () => {
    const target = first.assignments[0]!.entityId;
    const path = `/v1/regulator/inspections/draws/${first.drawId}/results`;
    expect((await regulatorCall(gw, viewer, "POST", path, { entityId: target, finding: "violation" })).status).toBe(403);
    const rec = await ok<components["schemas"]["InspectionResult"]>(await regulatorCall(gw, officer, "POST", path, { entityId: target, finding: "violation", note: "无证经营" }), 201);
    expect(rec).toMatchObject({ drawId: first.drawId, entityId: target, finding: "violation" });
    expect((await regulatorCall(gw, officer, "POST", path, { entityId: target, finding: "none" })).status).toBe(409);
    const notDrawn = pop.jinjiang.find((id) => !first.assignments.some((a) => a.entityId === id));
    if (notDrawn) expect((await regulatorCall(gw, officer, "POST", path, { entityId: notDrawn, finding: "none" })).status).toBe(404);
    expect((await regulatorCall(gw, wuhou, "POST", path, { entityId: target, finding: "none" })).status).toBe(404);
    expect((await regulatorCall(gw, officer, "POST", path, { entityId: target, finding: "bad" })).status).toBe(400);
    // The record read back names the drawn entities and carries the result.
    const read = await ok<Draw>(await regulatorCall(gw, viewer, "GET", `/v1/regulator/inspections/draws/${first.drawId}`));
    expect(read.results).toEqual([rec]);
    const names = await gw.system.deps.db.rows<{ id: string; name: string }>(sql`select id::text as id, name from entity`);
    expect(read.entityNames).toEqual(Object.fromEntries(first.assignments.map((a) => [a.entityId, names.find((n) => n.id === a.entityId)!.name])));

    const db = gw.system.deps.db;
    const set = await labelledSet(db, computeFeatures, new Date(Date.now() - 10 * 86_400_000), 30);
    const ids = (await db.rows<{ id: string }>(sql`select id::text as id from entity order by id`)).map((r) => r.id);
    const positives = ids.filter((_, k) => set.labels[k] === 1);
    expect(positives).toEqual([target]);
    // The finding counts in screening too.
    const n = await ok<{ count: number }>(await regulatorCall(gw, officer, "POST", "/v1/regulator/screenings/count", { conditions: { item: "inspection_violations_3y", op: "gte", value: 1 } }));
    expect(n.count).toBe(1);
    const audit = await db.rows<{ action: string }>(sql`select action from audit_log where subject_id = ${rec.resultId}`);
    expect(audit.map((a) => a.action)).toEqual(["inspection.result"]);
  });
});
