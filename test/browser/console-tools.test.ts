// The console's regulator tools in a real browser (Debian's chromium through playwright-core)
// against a small classified population (test/tools-fixtures.ts: food and apparel merchants in
// 锦江 and 武侯, some with recent complaints). A 锦江 officer builds a two-condition screening,
// counts, runs, saves, re-runs it from the saved list and exports its CSV (checked against the
// API); a bad value is shown at its condition inside a nested group; the officer draws from the
// saved screening, verifies the draw and records a result; a 武侯 officer sees nothing of 锦江
// in screening results, the draw list or a draw's population; a viewer cannot draw or record.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { components } from "../../src/generated/openapi.js";
import { projectRoot } from "../../src/paths.js";
import { regulatorCall } from "../notices-fixtures.js";
import { startTestGateway, type TestGateway } from "../support/gateway.js";
import { loginRegulator, type LoggedInRegulator } from "../support/platform.js";
import { ok, seedToolsPopulation, type ToolsPopulation } from "../tools-fixtures.js";
import { ensureConsoleBuilt, hasChromium, type LaunchedBrowser } from "./browser.js";
import { loginToConsole, openConsolePage } from "./console-page.js";

type Catalogue = components["schemas"]["ScreeningCatalogue"];
type ScreeningPage = components["schemas"]["ScreeningPage"];
type Draw = components["schemas"]["InspectionDraw"];

const ARTIFACTS = join(projectRoot(), "test", "artifacts");
let gw: TestGateway;
let pop: ToolsPopulation;
let launched: LaunchedBrowser;
let page: Page;
let jinjiang: LoggedInRegulator;
let wuhou: LoggedInRegulator;
let viewer: LoggedInRegulator;
let drawId: string;
let cspViolations: string[] = [];
const complainedFood = { all: [{ item: "category", op: "eq", value: "food" }, { item: "complaints_90d", op: "gt", value: 0 }] };

if (!hasChromium) console.warn("test/browser: /usr/bin/chromium is absent (apt-get install -y chromium) — the console's tools tests are skipped");

describe.skipIf(!hasChromium)("regulator console: screening and inspection draws in chromium", () => {
  beforeAll(async () => {
    ensureConsoleBuilt();
    mkdirSync(ARTIFACTS, { recursive: true });
    gw = await startTestGateway();
    pop = await seedToolsPopulation(gw);
    // Shop-like names instead of the fixture's "M<n>", so the screenshots read like the city.
    const names: Record<string, string[]> = {
      "jj-food-complained": ["锦江鲜味小吃店", "春熙路串串香", "锦江老码头火锅", "东大街冒菜馆"],
      "jj-food-quiet": ["锦江安心面馆", "水井坊甜品店", "合江亭茶铺"],
      "jj-apparel": ["锦江时尚服饰", "春熙路童装店", "锦江丝绸坊", "东门鞋履馆", "锦江运动服饰"],
      "wh-food-complained": ["武侯蜀香小吃店", "玉林路烧烤"],
      "wh-apparel": ["武侯锦绣服装店"],
    };
    for (const [label, id] of Object.entries(pop.ids)) {
      const [, prefix, k] = /^(.*)-(\d+)$/.exec(label)!;
      await gw.system.deps.db.orm.execute(sql`update entity set name = ${names[prefix!]![Number(k)]!} where id = ${id}::uuid`);
    }
    jinjiang = await loginRegulator(gw, { role: "officer", regionPrefix: "510104" });
    wuhou = await loginRegulator(gw, { role: "officer", regionPrefix: "510107" });
    viewer = await loginRegulator(gw, { role: "viewer", regionPrefix: "510104" });
    ({ launched, page, cspViolations } = await openConsolePage());
  }, 240_000);
  afterAll(async () => {
    await launched?.close();
    await gw?.close();
  });

  const api = async <T>(who: LoggedInRegulator, method: string, path: string, body?: unknown): Promise<T> => ok<T>(await regulatorCall(gw, who, method, path, body));
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const cond = (pointer: string) => page.locator(`[data-testid="condition"][data-pointer="${pointer}"]`);
  const sorted = (xs: readonly string[]) => [...xs].sort();

  const login = (who: LoggedInRegulator) => loginToConsole(page, gw.url, who);

  /** Fills the builder's first two comparisons: category = food AND complaints_90d > 0. */
  async function buildComplainedFood(): Promise<void> {
    await cond("/conditions/all/0").getByTestId("condition-item").selectOption("category");
    await cond("/conditions/all/0").getByTestId("condition-op").selectOption("eq");
    await cond("/conditions/all/0").getByTestId("condition-value").selectOption("food");
    await page.getByTestId("add-condition").last().click();
    await cond("/conditions/all/1").getByTestId("condition-item").selectOption("complaints_90d");
    await cond("/conditions/all/1").getByTestId("condition-op").selectOption("gt");
    await cond("/conditions/all/1").getByTestId("condition-value").fill("0");
  }

  const resultIds = () => page.locator('[data-testid="results-table"] tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-entity")!));

  it("shows the catalogue grouped by family and layer, with each item's meaning", async () => {
    await login(jinjiang);
    await page.getByRole("link", { name: "风险筛查" }).click();
    const cat = await api<Catalogue>(jinjiang, "GET", "/v1/regulator/screening/items");
    const catalogue = page.getByTestId("screening-catalogue");
    await expect.poll(() => catalogue.locator("summary").innerText()).toContain(`${cat.items.length} 项`);
    await catalogue.locator("summary").click();
    expect(await catalogue.locator("tr[data-item]").count()).toBe(cat.items.length);
    for (const i of cat.items) {
      const row = catalogue.locator(`table[data-family="${i.family}"][data-layer="${i.layer}"] tr[data-item="${i.key}"]`);
      expect(await row.innerText(), i.key).toContain(i.description);
    }
    await shot("screening-catalogue");
    await catalogue.locator("summary").click();
  });

  it("builds a two-condition screening, counts it first, runs it and saves it", async () => {
    await buildComplainedFood();
    await page.getByTestId("screening-count").click();
    const expected = await api<{ count: number }>(jinjiang, "POST", "/v1/regulator/screenings/count", { conditions: complainedFood });
    expect(expected.count).toBe(pop.jinjiangFoodComplained.length);
    await expect.poll(() => page.getByTestId("screening-count-result").innerText()).toContain(`${expected.count} 个经营主体`);

    await page.getByTestId("screening-run").click();
    await page.locator('[data-testid="results-table"] tbody tr').first().waitFor();
    const run = await api<ScreeningPage>(jinjiang, "POST", "/v1/regulator/screenings/run", { conditions: complainedFood, limit: 500 });
    expect(await resultIds()).toEqual(run.rows.map((r) => r.entityId));
    expect(sorted(await resultIds())).toEqual(sorted(pop.jinjiangFoodComplained));
    // Each row links to the entity's profile, and shows the items the conditions read.
    const first = run.rows[0]!;
    const row = page.locator(`[data-testid="results-table"] tr[data-entity="${first.entityId}"]`);
    expect(await row.locator("a").getAttribute("href")).toBe(`#/entity/${first.entityId}`);
    expect(Number(await row.locator('td[data-tag="complaints_90d"]').innerText())).toBeCloseTo(first.tags.complaints_90d as number, 3);

    await page.getByTestId("screening-name").fill("锦江近期被投诉的食品经营者");
    await page.getByTestId("screening-save").click();
    await page.getByRole("status").filter({ hasText: "已保存筛查" }).waitFor();
    await page.locator('[data-testid="saved-screenings"] tr[data-screening]').first().waitFor();
    await shot("screening");
  });

  it("re-runs the saved screening from the list and exports its CSV, row for row the API's", async () => {
    const saved = (await api<{ screenings: components["schemas"]["SavedScreening"][] }>(jinjiang, "GET", "/v1/regulator/screenings/saved")).screenings;
    expect(saved.map((s) => s.name)).toEqual(["锦江近期被投诉的食品经营者"]);
    const row = page.locator(`[data-testid="saved-screenings"] tr[data-screening="${saved[0]!.screeningId}"]`);
    expect(await row.innerText()).toContain("经营类别 等于 食品 且 近期投诉 大于 0");
    await row.getByTestId("saved-rerun").click();
    await expect.poll(() => page.getByTestId("rerun-count").innerText()).toContain(`${pop.jinjiangFoodComplained.length} 个经营主体`);
    await expect.poll(async () => sorted(await resultIds())).toEqual(sorted(pop.jinjiangFoodComplained));

    const [download] = await Promise.all([page.waitForEvent("download"), row.getByTestId("saved-export").click()]);
    expect(download.suggestedFilename()).toMatch(/^风险筛查-锦江近期被投诉的食品经营者-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync((await download.path())!, "utf8");
    expect(csv.startsWith("\ufeff")).toBe(true);
    const fromApi = await (await regulatorCall(gw, jinjiang, "GET", `/v1/regulator/screenings/saved/${saved[0]!.screeningId}/export.csv`)).text();
    expect(csv.replace(/^\ufeff/, "")).toBe(fromApi.replace(/^\ufeff/, ""));
    const lines = csv.replace(/^\ufeff/, "").trimEnd().split("\r\n");
    expect(lines[0]!.split(",").slice(0, 3)).toEqual(["主体ID", "名称", "统一社会信用代码"]);
    expect(sorted(lines.slice(1).map((l) => l.split(",")[0]!))).toEqual(sorted(pop.jinjiangFoodComplained));
  });

  it("shows an invalid value at its condition, inside a nested OR group, and counts nothing", async () => {
    await page.getByTestId("add-group").click();
    const bad = cond("/conditions/all/2/any/0");
    await bad.getByTestId("condition-item").selectOption("complaints_90d");
    await bad.getByTestId("condition-op").selectOption("between");
    await bad.getByTestId("condition-value").fill("3");
    await page.getByTestId("screening-count").click();
    await expect.poll(() => bad.getByTestId("condition-error").innerText()).toBe("取值：须为数字");
    expect(await bad.getByTestId("condition-value").getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByTestId("condition-error").count()).toBe(1);
    expect(await page.getByRole("alert").innerText()).toContain("计数失败：请修改标出的条件");
    expect(await page.getByTestId("screening-count-result").count()).toBe(0);
    await shot("screening-invalid");
    // Fixed, the nested OR group counts: food with complaints, and (3..10 complaints or none).
    await bad.getByTestId("condition-value-2").fill("100");
    await page.getByTestId("screening-count").click();
    const expected = await api<{ count: number }>(jinjiang, "POST", "/v1/regulator/screenings/count", {
      conditions: { all: [...complainedFood.all, { any: [{ item: "complaints_90d", op: "between", value: [3, 100] }] }] },
    });
    await expect.poll(() => page.getByTestId("screening-count-result").innerText()).toContain(`${expected.count} 个经营主体`);
    expect(await page.getByTestId("condition-error").count()).toBe(0);
  });

  it("draws from the saved screening, shows the drawn entities and their inspectors, verifies the draw and records a result", async () => {
    await page.getByRole("link", { name: "双随机抽查" }).click();
    await page.getByTestId("new-draw").click();
    await page.getByTestId("draw-form").waitFor();
    for (const [c, v] of [["A", "3"], ["B", "5"], ["C", "10"], ["D", "100"]]) expect(await page.getByTestId(`ratio-${c}`).inputValue(), c).toBe(v);
    await page.getByLabel("名称（必填）").fill("2026 年第一季度食品专项抽查");
    await expect.poll(() => page.getByTestId("draw-screening").locator("option").allInnerTexts()).toEqual([expect.stringContaining("锦江近期被投诉的食品经营者")]);
    for (const c of ["A", "B", "C"]) await page.getByTestId(`ratio-${c}`).fill("100");
    const conflicted = pop.ids["jj-food-complained-0"]!;
    const pool = page.getByTestId("inspector-pool");
    await pool.getByTestId("inspector-id").nth(0).fill("J-01");
    await pool.getByTestId("inspector-name").nth(0).fill("王敏");
    await pool.locator('tr[data-inspector="0"]').getByLabel("锦江区").check();
    await pool.getByTestId("inspector-conflicts").nth(0).fill(conflicted);
    await pool.getByTestId("inspector-id").nth(1).fill("J-02");
    await pool.getByTestId("inspector-name").nth(1).fill("李强");
    await pool.locator('tr[data-inspector="1"]').getByLabel("锦江区").check();
    await page.getByLabel("随机种子（可选；留空由系统生成）").fill("2026Q1-锦江");
    await shot("inspection-new-draw");
    await page.getByTestId("draw-submit").click();
    await page.getByTestId("draw-detail").waitFor();
    drawId = (await page.evaluate<string>("location.hash")).split("/").pop()!;
    const draw = await api<Draw>(jinjiang, "GET", `/v1/regulator/inspections/draws/${drawId}`);
    expect(draw.seed).toBe("2026Q1-锦江");
    expect(draw.inputs).toMatchObject({ ratios: { A: 1, B: 1, C: 1, D: 1, unclassified: 0 } });
    expect(sorted(draw.assignments.map((a) => a.entityId))).toEqual(sorted(pop.jinjiangFoodComplained));
    expect(await page.getByTestId("draw-seed").innerText()).toBe("2026Q1-锦江");
    expect(await page.getByTestId("draw-drawn").innerText()).toBe(String(draw.assignments.length));
    const names: Record<string, string> = { "J-01": "王敏", "J-02": "李强" };
    for (const a of draw.assignments) {
      const tr = page.locator(`[data-testid="assignments-table"] tr[data-entity="${a.entityId}"]`);
      expect(await tr.locator("a").innerText()).toBe(draw.entityNames![a.entityId]);
      expect(await tr.getByTestId("assigned-inspectors").innerText()).toContain(a.inspectors.map((id) => names[id]).join("、"));
    }
    // 回避: 王敏 is never assigned the entity she lists.
    expect(await page.locator(`tr[data-entity="${conflicted}"]`).getByTestId("assigned-inspectors").innerText()).not.toContain("王敏");

    await page.getByTestId("verify-draw").click();
    await page.locator('[data-testid="verify-result"][data-matches="true"]').waitFor();
    expect(await page.getByTestId("verify-result").innerText()).toContain("复核一致");

    const target = draw.assignments[0]!.entityId;
    const tr = page.locator(`[data-testid="assignments-table"] tr[data-entity="${target}"]`);
    await tr.getByTestId("record-finding").selectOption("minor");
    await tr.getByLabel("说明").fill("公示信息不全，已当场责令改正");
    await tr.getByTestId("record-submit").click();
    await tr.locator('[data-testid="result"][data-finding="minor"]').waitFor();
    const after = await api<Draw>(jinjiang, "GET", `/v1/regulator/inspections/draws/${drawId}`);
    expect(after.results?.map((r) => [r.entityId, r.finding, r.note])).toEqual([[target, "minor", "公示信息不全，已当场责令改正"]]);
    // The work plan as CSV: every drawn entity with its name, inspectors and result.
    await expect.poll(() => page.locator("#assignments-title").innerText()).toContain("已记录结果 1");
    const [plan] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-plan").click()]);
    const planLines = readFileSync((await plan.path())!, "utf8").replace(/^\ufeff/, "").trimEnd().split("\r\n");
    expect(planLines.length).toBe(draw.assignments.length + 1);
    for (const a of draw.assignments) {
      const line = planLines.find((l) => l.startsWith(`${a.entityId},`))!;
      expect(line).toContain(draw.entityNames![a.entityId]);
      expect(line).toContain(a.inspectors.map((id) => names[id]).join("、"));
      expect(line.includes("轻微问题")).toBe(a.entityId === target);
    }
    // The published population, as the API pages it.
    const members = (await api<{ members: Array<{ entityId: string }> }>(jinjiang, "GET", `/v1/regulator/inspections/draws/${drawId}/population`)).members;
    await expect.poll(() => page.locator('[data-testid="population-table"] tbody tr').evaluateAll((trs) => trs.map((t) => t.getAttribute("data-entity")))).toEqual(members.map((m) => m.entityId));
    await shot("inspection-draw");
  });

  it("shows a 武侯 officer nothing of 锦江 in screening results, the draw list or a draw's population", async () => {
    await login(wuhou);
    await page.getByRole("link", { name: "风险筛查" }).click();
    await buildComplainedFood();
    await page.getByTestId("screening-run").click();
    await expect.poll(() => page.getByTestId("screening-count-result").innerText()).toContain(`${pop.wuhouFoodComplained.length} 个经营主体`);
    await page.locator('[data-testid="results-table"] tbody tr').first().waitFor();
    expect(sorted(await resultIds())).toEqual(sorted(pop.wuhouFoodComplained));
    const regions = await page.locator('[data-testid="results-table"] td[data-region]').evaluateAll((tds) => tds.map((td) => td.getAttribute("data-region")));
    expect(regions.every((r) => r === "510107")).toBe(true);
    // Another officer's saved screenings are not listed.
    await page.getByText("尚未保存筛查。").waitFor();
    expect(await page.locator('[data-testid="saved-screenings"] tr[data-screening]').count()).toBe(0);

    await page.getByRole("link", { name: "双随机抽查" }).click();
    await page.getByText("辖区内尚无抽查。").waitFor();
    await page.evaluate(`location.hash = "#/inspections/${drawId}"`);
    await page.getByRole("alert").filter({ hasText: "未找到" }).waitFor();

    // A draw of their own, from conditions built in the form: its population is 武侯's only.
    await page.evaluate(`location.hash = "#/inspections/new"`);
    await page.getByTestId("draw-form").waitFor();
    await page.getByLabel("名称（必填）").fill("武侯食品抽查");
    await page.getByTestId("population-conditions").check();
    await cond("/population/conditions/all/0").getByTestId("condition-item").selectOption("category");
    await cond("/population/conditions/all/0").getByTestId("condition-op").selectOption("in");
    await cond("/population/conditions/all/0").getByLabel("食品").check();
    await cond("/population/conditions/all/0").getByLabel("服装").check();
    await page.getByTestId("inspector-id").nth(0).fill("W-01");
    await page.getByTestId("inspector-name").nth(0).fill("刘洋");
    // A bad ratio and a blank second inspector: each refused at its field, nothing drawn.
    await page.getByTestId("ratio-A").fill("150");
    await page.getByTestId("draw-submit").click();
    await expect.poll(() => page.getByTestId("error-ratios-A").innerText()).toBe("须为 0 到 100 之间的百分数");
    expect(await page.locator('tr[data-inspector="1"]').innerText()).toContain("不能为空");
    expect(await page.locator('tr[data-inspector="0"] .field-error').count()).toBe(0);
    await shot("inspection-draw-invalid");
    expect((await api<{ draws: unknown[] }>(wuhou, "GET", "/v1/regulator/inspections/draws")).draws).toEqual([]);
    await page.getByTestId("ratio-A").fill("3");
    await page.locator('tr[data-inspector="1"]').getByRole("button", { name: "删除" }).click();
    await page.getByTestId("draw-submit").click();
    await page.getByTestId("draw-detail").waitFor();
    await page.locator('[data-testid="population-table"] tbody tr').first().waitFor();
    const ids = await page.locator('[data-testid="population-table"] tbody tr').evaluateAll((trs) => trs.map((t) => t.getAttribute("data-entity")!));
    expect(sorted(ids)).toEqual(sorted(pop.wuhou));
    const popRegions = await page.locator('[data-testid="population-table"] td[data-region]').evaluateAll((tds) => tds.map((td) => td.getAttribute("data-region")));
    expect(popRegions.every((r) => r === "510107")).toBe(true);
    for (const id of pop.jinjiang) expect(ids).not.toContain(id);
  });

  it("lets a viewer see the draws but not draw or record", async () => {
    await login(viewer);
    await page.getByRole("link", { name: "双随机抽查" }).click();
    await page.locator(`[data-testid="draws-table"] tr[data-draw="${drawId}"]`).waitFor();
    expect(await page.getByTestId("new-draw").count()).toBe(0);
    await shot("inspection-draws-viewer");
    await page.locator(`tr[data-draw="${drawId}"] a`).click();
    await page.getByTestId("assignments-table").waitFor();
    expect(await page.getByTestId("record-form").count()).toBe(0);
    expect(await page.locator('[data-testid="result"][data-finding="minor"]').count()).toBe(1);
    await page.evaluate(`location.hash = "#/inspections/new"`);
    await page.getByTestId("draw-forbidden").waitFor();
    expect(await page.getByTestId("draw-form").count()).toBe(0);
    // The API refuses the viewer as well.
    const res = await regulatorCall(gw, viewer, "POST", "/v1/regulator/inspections/draws", {
      name: "x", population: { conditions: complainedFood }, ratios: { D: 1 }, inspectors: [{ id: "v", name: "v", districts: [] }],
    });
    expect(res.status).toBe(403);
  });

  it("ran without a single CSP violation", () => {
    expect(cspViolations).toEqual([]);
  });
});
