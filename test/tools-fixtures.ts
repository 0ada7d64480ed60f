// A small classified population for the regulator tools' tests: food and apparel merchants in
// 锦江 (510104) and 武侯 (510107), some with recent complaints, classified by a real full run so
// entity_tag holds what classification computed.
import { sql } from "drizzle-orm";
import { expect } from "vitest";
import { seeder, spread, DAY } from "./monitoring-fixtures.js";
import type { TestGateway } from "./support/gateway.js";

export interface ToolsPopulation {
  /** entity ids by label, e.g. "jj-food-complained-0" */
  ids: Record<string, string>;
  jinjiangFoodComplained: string[];
  wuhouFoodComplained: string[];
  jinjiang: string[];
  wuhou: string[];
}

export async function seedToolsPopulation(gw: TestGateway): Promise<ToolsPopulation> {
  const db = gw.system.deps.db;
  const s = await seeder(db);
  const now = gw.clock.now();
  const out: ToolsPopulation = { ids: {}, jinjiangFoodComplained: [], wuhouFoodComplained: [], jinjiang: [], wuhou: [] };
  const add = async (label: string, region: string, category: string, complaints: number) => {
    const m = await s.merchant({ region, category, openedAt: "2021-01-01T00:00:00Z" });
    if (complaints > 0) await s.events(m, "complaint", spread(now, complaints, 20, 1), { channel: "platform", reason: "quality" });
    out.ids[label] = m.entityId;
    (region === "510104" ? out.jinjiang : out.wuhou).push(m.entityId);
    if (complaints > 0 && category === "food") (region === "510104" ? out.jinjiangFoodComplained : out.wuhouFoodComplained).push(m.entityId);
  };
  for (let k = 0; k < 4; k++) await add(`jj-food-complained-${k}`, "510104", "food", 3 + k);
  for (let k = 0; k < 3; k++) await add(`jj-food-quiet-${k}`, "510104", "food", 0);
  for (let k = 0; k < 5; k++) await add(`jj-apparel-${k}`, "510104", "apparel", 0);
  for (let k = 0; k < 2; k++) await add(`wh-food-complained-${k}`, "510107", "food", 4);
  await add("wh-apparel-0", "510107", "apparel", 0);
  const run = await gw.system.classification.ops.startRun({ actor: { kind: "cli" } }, { reason: "tools fixtures" });
  for (let i = 0; ; i++) {
    const r = await gw.system.classification.ops.getRun({ actor: { kind: "cli" } }, { runId: run.runId });
    if (r.status === "done") break;
    expect(r.status).not.toBe("failed");
    if (i > 600) throw new Error("classification run did not finish");
    await new Promise((res) => setTimeout(res, 100));
  }
  const [tags] = await db.rows<{ n: number }>(sql`select count(*)::int as n from entity_tag`);
  expect(Number(tags!.n)).toBe(Object.keys(out.ids).length);
  return out;
}

export { DAY };

/** The JSON body of a response that must have `status` (the body is the failure message otherwise). */
export async function ok<T>(res: Response, status = 200): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as T;
}
