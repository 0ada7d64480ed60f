// The regulator console in a real browser (Debian's chromium through playwright-core) against a
// gateway seeded by src/sim: log in, read the dashboard and check it against the API, filter by
// clicking a district on the map, open an entity from the search box and check its reasons,
// close a warning with a reason, accept a submitted rectification, log out; then a 锦江 officer
// must see nothing of 武侯 in any view or export. Screenshots of each view go to test/artifacts/.
import { mkdirSync, readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { components } from "../../src/generated/openapi.js";
import { projectRoot } from "../../src/paths.js";
import { regulatorCall } from "../notices-fixtures.js";
import { startTestGateway, type TestGateway } from "../support/gateway.js";
import { loginRegulator, type LoggedInRegulator } from "../support/platform.js";
import { ensureConsoleBuilt, hasChromium, type LaunchedBrowser } from "./browser.js";
import { loginToConsole, openConsolePage } from "./console-page.js";
import { seedCity, type SeededCity } from "./seed.js";

type Overview = components["schemas"]["RegulatorOverview"];
type Profile = components["schemas"]["EntityProfile"];

const ARTIFACTS = join(projectRoot(), "test", "artifacts");
let gw: TestGateway;
let launched: LaunchedBrowser;
let page: Page;
let city: SeededCity;
let cityOfficer: LoggedInRegulator;
let jinjiangOfficer: LoggedInRegulator;
let cityAdmin: LoggedInRegulator;
/** The 锦江 entity the city admin admits by hand (the district officer must see it). */
let jinjiangMember: { id: string; name: string } | undefined;
let cspViolations: string[] = [];

if (!hasChromium) console.warn("test/browser: /usr/bin/chromium is absent (apt-get install -y chromium) — the console's browser tests are skipped");

describe.skipIf(!hasChromium)("regulator console in chromium", () => {
  beforeAll(async () => {
    ensureConsoleBuilt();
    mkdirSync(ARTIFACTS, { recursive: true });
    gw = await startTestGateway();
    city = await seedCity(gw, 60);
    cityOfficer = await loginRegulator(gw, { role: "officer", regionPrefix: "5101" });
    jinjiangOfficer = await loginRegulator(gw, { role: "officer", regionPrefix: "510104" });
    cityAdmin = await loginRegulator(gw, { role: "admin", regionPrefix: "5101" });
    ({ launched, page, cspViolations } = await openConsolePage());
  }, 240_000);
  afterAll(async () => {
    await launched?.close();
    await gw?.close();
  });

  const api = async <T>(who: LoggedInRegulator, path: string): Promise<T> => {
    const res = await regulatorCall(gw, who, "GET", path);
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  };
  const shot = (name: string, fullPage = true) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
  const stat = async (key: string) => Number(await page.locator(`[data-stat="${key}"]`).innerText());

  const login = (who: LoggedInRegulator) => loginToConsole(page, gw.url, who);

  async function expectOverviewMatches(who: LoggedInRegulator, region: string): Promise<Overview> {
    const o = await api<Overview>(who, `/v1/regulator/overview${region ? `?region=${region}` : ""}`);
    await expect.poll(() => stat("entities.total")).toBe(o.entities.total);
    expect(await stat("sandbox.inside")).toBe(o.sandbox.inside);
    expect(await stat("warnings.open")).toBe(o.warnings.open);
    expect(await stat("notices.issued")).toBe(o.notices.issued);
    expect(await stat("rectifications.open")).toBe(o.rectifications.open);
    for (const k of ["A", "B", "C", "D", "unclassified"] as const) expect(Number(await page.locator(`[data-class="${k}"]`).innerText()), k).toBe(o.entities.byClass[k]);
    for (const s of ["low", "medium", "high", "critical"] as const) expect(Number(await page.locator(`[data-severity="${s}"]`).innerText()), s).toBe(o.warnings.openBySeverity[s]);
    return o;
  }

  /** The overview's 90-day totals (text beside the chart) are the API series' sums. */
  async function expectSeriesMatches(who: LoggedInRegulator, region: string): Promise<void> {
    const series = await api<components["schemas"]["RegulatorSeries"]>(who, `/v1/regulator/overview/series?days=90${region ? `&region=${region}` : ""}`);
    for (const k of ["admitted", "removed", "warningsRaised", "noticesIssued", "classUp", "classDown"] as const) {
      const sum = series.points.reduce((n, p) => n + p[k], 0);
      await expect.poll(() => page.locator(`[data-series-total="${k}"]`).innerText(), { message: k }).toBe(String(sum));
    }
    await page.locator('[data-testid="series-chart"] canvas').waitFor();
  }

  it("shows the serving headers: a strict CSP and no inline script", async () => {
    const res = await gw.fetch("/console");
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(await res.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it("logs in and shows the city's figures exactly as the API reports them", async () => {
    await login(cityOfficer);
    const o = await expectOverviewMatches(cityOfficer, "");
    expect(o.entities.total).toBeGreaterThan(50);
    expect(o.warnings.open).toBeGreaterThan(0);
    await page.locator('[data-testid="district-map"][data-district-points]').waitFor();
    await expectSeriesMatches(cityOfficer, "");
    await shot("overview-city");
  });

  it("filters the dashboard to a district clicked on the map", async () => {
    const map = page.locator('[data-testid="district-map"]');
    const points = Object.fromEntries(
      (await map.getAttribute("data-district-points"))!.split(";").map((p) => {
        const [code, xy] = p.split(":");
        const [x, y] = xy!.split(",").map(Number);
        return [code!, { x: x!, y: y! }];
      }),
    );
    await map.click({ position: points["510104"]! });
    await expect.poll(() => page.evaluate<string>("location.hash")).toContain("region=510104");
    await expect.poll(() => page.locator('[data-testid="region-filter"]').inputValue()).toBe("510104");
    await expectOverviewMatches(cityOfficer, "510104");
    await shot("overview-jinjiang");
  });

  it("finds an entity with the search box and shows its class and reasons as the API does", async () => {
    await page.getByLabel("查找经营主体").fill(city.jinjiang.name);
    await page.getByRole("button", { name: "查找" }).click();
    await page.locator('[data-testid="search-results"]').getByRole("link", { name: city.jinjiang.name }).click();
    await page.locator('[data-testid="entity-profile"]').waitFor();
    const e = await api<Profile>(cityOfficer, `/v1/regulator/entities/${city.jinjiang.entityId}`);
    expect(await page.locator('[data-testid="entity-class"]').innerText()).toContain(e.riskClass!);
    const reasons = await page.locator('[data-testid="reasons"] li').allInnerTexts();
    expect(reasons).toEqual((e.reasons ?? []).map((r) => r.textZh));
    expect(reasons.length).toBeGreaterThan(0);
    // The chart's bars add up to logit(p).
    const total = await page.locator('[data-testid="reasons-total"]').innerText();
    const [sum, logit] = [Number(/合计 (-?[\d.]+)/.exec(total)![1]), Number(/logit = (-?[\d.]+)/.exec(total)?.[1] ?? NaN)];
    if (!Number.isNaN(logit)) expect(Math.abs(sum - logit)).toBeLessThan(0.01);
    await page.locator('[data-testid="reasons-chart"] canvas').waitFor();
    await shot("entity-profile");
  });

  it("draws an entity's related entities (inside the officer's region) as a small graph", async () => {
    const [pair] = await gw.system.deps.db.rows<{ a: string }>(sql`select entity_a::text as a from entity_link order by entity_a limit 1`);
    expect(pair, "the sim's population has related entities").toBeDefined();
    await page.evaluate(`location.hash = "#/entity/${pair!.a}"`);
    const e = await api<Profile>(cityOfficer, `/v1/regulator/entities/${pair!.a}`);
    expect(e.related!.length).toBeGreaterThan(0);
    const graph = page.locator('[data-testid="related-graph"]');
    await graph.locator("canvas").waitFor();
    const label = (await graph.getAttribute("aria-label"))!;
    for (const r of e.related!) expect(label).toContain(r.name);
    await shot("entity-related");
  });

  it("closes a warning with a reason; the API shows it closed with that reason", async () => {
    await page.getByRole("link", { name: "预警线索库" }).click();
    await page.locator('[data-testid="filter-status"]').selectOption("open");
    const row = page.locator(`tr[data-warning="${city.jinjiang.warningId}"]`);
    await row.waitFor();
    await shot("warnings");
    await row.getByRole("button", { name: "关闭" }).click();
    await page.getByLabel(/关闭理由/).fill("经核查系同一批次投诉，已合并处理");
    await page.getByRole("button", { name: "确认关闭" }).click();
    await page.getByRole("status").filter({ hasText: "已关闭" }).waitFor();
    const w = await api<components["schemas"]["Warning"]>(cityOfficer, `/v1/regulator/warnings/${city.jinjiang.warningId}`);
    expect(w).toMatchObject({ status: "closed", closeReason: "经核查系同一批次投诉，已合并处理" });
  });

  it("reviews a submitted rectification: evidence shown, accepted, and the API says accepted", async () => {
    await page.getByRole("link", { name: "整改审核" }).click();
    await page.locator('[data-testid="cases-table"]').getByRole("link", { name: city.jinjiang.name }).click();
    const detail = page.locator('[data-testid="case-detail"]');
    await detail.getByRole("img", { name: "整改照片.png" }).waitFor();
    await shot("rectification");
    await page.getByLabel("审核意见（必填）").fill("整改到位，予以通过");
    await detail.getByRole("button", { name: "通过" }).click();
    await detail.getByRole("status").filter({ hasText: "已通过" }).waitFor();
    const c = await api<components["schemas"]["RectificationCase"]>(cityOfficer, `/v1/regulator/rectifications/${city.jinjiang.caseId}`);
    expect(c).toMatchObject({ status: "accepted", lastComment: "整改到位，予以通过" });
  });

  it("edits the fence policy: a contradiction is shown at its field and nothing is saved", async () => {
    await login(cityAdmin);
    await page.getByRole("link", { name: "配置" }).click();
    const editor = page.locator('[data-testid="policy-editor"]');
    await editor.waitFor();
    const before = await api<components["schemas"]["FencePolicyVersion"]>(cityAdmin, "/v1/regulator/sandbox/policy");
    // Class C admitted and removed at once: the API names /policy/removal/classes/0 (and the admission set).
    await editor.getByRole("group", { name: "准入类别" }).getByLabel("C").check();
    await page.getByLabel("修改理由（必填，记入审计日志）").fill("试验：准入放宽到 C 类");
    await editor.getByRole("button", { name: "保存新版本" }).click();
    await expect.poll(() => page.getByTestId("error-f-removal-classes").innerText()).toContain("hysteresis");
    expect(await page.getByTestId("error-f-admission-classes").innerText()).toContain("C");
    expect((await api<components["schemas"]["FencePolicyVersion"]>(cityAdmin, "/v1/regulator/sandbox/policy")).version).toBe(before.version);
    await shot("config-policy");
  });

  it("dry-runs a draft policy (试算): admitting class B shows the entering counts the API computes, and nothing is saved", async () => {
    const editor = page.locator('[data-testid="policy-editor"]');
    const before = await api<components["schemas"]["FencePolicyVersion"]>(cityAdmin, "/v1/regulator/sandbox/policy");
    await editor.getByRole("button", { name: "还原" }).click();
    await editor.getByRole("group", { name: "准入类别" }).getByLabel("B").check();
    await editor.getByTestId("policy-whatif-button").click();
    const candidate = { ...before.policy, admission: { ...before.policy.admission, classes: ["A", "B"] } };
    const res = await regulatorCall(gw, cityAdmin, "POST", "/v1/regulator/sandbox/policy/what-if", { policy: candidate });
    expect(res.status).toBe(200);
    const want = (await res.json()) as components["schemas"]["FencePolicyWhatIf"];
    await expect.poll(() => page.getByTestId("whatif-entering-count").innerText()).toBe(String(want.entering.count));
    expect(await page.getByTestId("whatif-leaving-count").innerText()).toBe(String(want.leaving.count));
    expect(await page.locator('[data-testid="whatif-entering-samples"] tbody tr').count()).toBe(want.entering.samples.length);
    expect((await api<components["schemas"]["FencePolicyVersion"]>(cityAdmin, "/v1/regulator/sandbox/policy")).version).toBe(before.version);
    await shot("config-policy-whatif");
  });

  it("edits a monitoring rule: an invalid window is shown at its field, a valid one is saved as a new version the API shows", async () => {
    type Rule = components["schemas"]["MonitoringRule"];
    await page.getByRole("link", { name: "监测规则" }).click();
    const rule = (await api<{ rules: Rule[] }>(cityAdmin, "/v1/regulator/rules")).rules.find((r) => r.key === "complaints.high_frequency")!;
    await page.locator('tr[data-rule="complaints.high_frequency"]').getByRole("link").click();
    const editor = page.locator('[data-testid="rule-editor"]');
    await editor.waitFor();
    const window = page.getByLabel("去重窗口（天）");
    await window.fill("0");
    await editor.getByRole("button", { name: "保存新版本" }).click();
    await page.getByTestId("error-rule-windowDays").waitFor();
    expect(await window.getAttribute("aria-invalid")).toBe("true");
    // A semantic error inside the condition lands at the condition field.
    const condition = page.getByLabel("触发条件（JSON）");
    const original = await condition.inputValue();
    await condition.fill(JSON.stringify({ metric: { indicator: "no_such_indicator" }, op: ">=", value: 1 }));
    await window.fill("14");
    await editor.getByRole("button", { name: "保存新版本" }).click();
    await expect.poll(() => page.getByTestId("error-rule-condition").innerText()).toContain("unknown indicator");
    expect(await page.getByTestId("error-rule-windowDays").count()).toBe(0);
    expect((await api<Rule>(cityAdmin, `/v1/regulator/rules/${rule.ruleId}`)).version).toBe(rule.version);

    await condition.fill(original);
    await page.getByLabel("修改理由（记入审计日志）").fill("去重窗口缩短为 14 天");
    await editor.getByRole("button", { name: "保存新版本" }).click();
    await editor.getByRole("status").filter({ hasText: `已保存为 v${rule.version + 1}` }).waitFor();
    const saved = await api<Rule>(cityAdmin, `/v1/regulator/rules/${rule.ruleId}`);
    expect(saved).toMatchObject({ version: rule.version + 1, updatedBy: `regulator:${cityAdmin.userId}`, definition: { ...rule.definition, windowDays: 14 } });
    expect(saved.versions!.map((v) => v.version)).toEqual([rule.version + 1, rule.version]);
    // The diff of the two versions shows exactly the changed window.
    const diff = page.locator('[data-testid="version-diff"] tbody tr');
    await expect.poll(() => diff.count()).toBe(1);
    expect(await diff.first().getAttribute("data-pointer")).toBe("/definition/windowDays");
    expect(await diff.first().innerText()).toMatch(/30\s+14/);
    await expect.poll(() => page.locator('tr[data-rule="complaints.high_frequency"] [data-testid="rule-version"]').innerText()).toBe(`v${rule.version + 1}`);
    await shot("config-rules");
  });

  it("dry-runs the rule's draft over 90 days (试算): the warnings shown are the API's", async () => {
    type Rule = components["schemas"]["MonitoringRule"];
    const rule = (await api<{ rules: Rule[] }>(cityAdmin, "/v1/regulator/rules")).rules.find((r) => r.key === "complaints.high_frequency")!;
    const editor = page.locator('[data-testid="rule-editor"]');
    await editor.getByTestId("rule-whatif-days").selectOption("90");
    await editor.getByTestId("rule-whatif-button").click();
    const res = await regulatorCall(gw, cityAdmin, "POST", "/v1/regulator/rules/what-if", { definition: rule.definition, days: 90 });
    expect(res.status).toBe(200);
    const want = (await res.json()) as components["schemas"]["MonitoringRuleWhatIf"];
    await expect.poll(() => page.getByTestId("whatif-warnings-count").innerText()).toBe(String(want.warnings.count));
    expect((await api<Rule>(cityAdmin, `/v1/regulator/rules/${rule.ruleId}`)).version).toBe(rule.version);
    await shot("config-rules-whatif");
  });

  it("holds a sandbox member until a date, then removes it by hand; the API shows the hold and the removal with their reasons", async () => {
    type Members = components["schemas"]["SandboxMemberPage"];
    type SandboxEntity = components["schemas"]["SandboxEntity"];
    const inJinjiang = (await api<Members>(cityAdmin, "/v1/regulator/sandbox/members?region=510104")).members;
    const target = inJinjiang[0] ?? (await api<Members>(cityAdmin, "/v1/regulator/sandbox/members")).members[0];
    expect(target, "the seeded city has sandbox members").toBeDefined();
    await page.getByRole("link", { name: "信用沙盒" }).click();
    await page.locator(`tr[data-entity="${target!.entityId}"]`).getByRole("link").click();
    const panel = page.locator('[data-testid="sandbox-panel"]');
    await panel.getByRole("button", { name: "保持现状" }).click();
    const until = new Date(Date.now() + 30 * 86_400_000).toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" });
    await page.getByLabel("保持至（日期，最长一年）").fill(until);
    await page.getByLabel("理由（必填，将记入审计日志）").fill("投诉核查期间保持现状");
    await page.getByRole("button", { name: "确认保持现状" }).click();
    await panel.getByTestId("sandbox-hold").waitFor();
    const held = await api<SandboxEntity>(cityAdmin, `/v1/regulator/sandbox/${target!.entityId}`);
    expect(held.hold).toMatchObject({ reason: "投诉核查期间保持现状", heldBy: `regulator:${cityAdmin.userId}`, until: new Date(`${until}T23:59:59+08:00`).toISOString() });
    await shot("sandbox", false); // the first screen: a city's member list runs long

    await panel.getByRole("button", { name: "移出沙盒" }).click();
    await page.getByLabel("理由（必填，将记入审计日志）").fill("现场检查发现无证经营");
    await page.getByRole("button", { name: "确认移出沙盒" }).click();
    await panel.getByRole("status").filter({ hasText: "已移出沙盒" }).waitFor();
    expect(await panel.getByTestId("sandbox-status").innerText()).toBe("沙盒外");
    const removed = await api<SandboxEntity>(cityAdmin, `/v1/regulator/sandbox/${target!.entityId}`);
    expect(removed).toMatchObject({ status: "outside", membership: { lastActor: `regulator:${cityAdmin.userId}` } });
    expect(removed.history[0]).toMatchObject({ action: "removed", rule: "manual.remove", reason: "现场检查发现无证经营" });
  });

  it("admits a 锦江 entity by hand from its profile; the API shows it inside with the officer's reason", async () => {
    const candidate = { id: city.jinjiangQuiet.entityId, name: city.jinjiangQuiet.name };
    jinjiangMember = candidate!;
    await page.evaluate(`location.hash = "#/entity/${candidate!.id}"`);
    const panel = page.locator('[data-testid="sandbox-panel"]');
    await panel.getByRole("button", { name: "纳入沙盒" }).click();
    await page.getByLabel("理由（必填，将记入审计日志）").fill("经现场核查经营规范，予以纳入");
    await page.getByRole("button", { name: "确认纳入沙盒" }).click();
    await panel.getByRole("status").filter({ hasText: "已纳入沙盒" }).waitFor();
    const after = await api<components["schemas"]["SandboxEntity"]>(cityAdmin, `/v1/regulator/sandbox/${candidate!.id}`);
    expect(after).toMatchObject({ status: "inside", membership: { lastActor: `regulator:${cityAdmin.userId}` } });
    expect(after.history[0]).toMatchObject({ action: "admitted", rule: "manual.admit", reason: "经现场核查经营规范，予以纳入" });
  });

  it("issues a manual notice from a warning; the notices list shows it and the API has it", async () => {
    type Warnings = { warnings: Array<components["schemas"]["Warning"]> };
    const open = (await api<Warnings>(cityAdmin, "/v1/regulator/warnings?status=open&limit=500")).warnings;
    const w = open.find((x) => x.action !== "warn_and_notice");
    expect(w, "an open warning that issued no notice").toBeDefined();
    await page.goto(`${gw.url}/console`); // a fresh page: the warning library filtered to that entity
    await login(cityAdmin);
    await page.evaluate(`location.hash = "#/warnings?status=open"`);
    const row = page.locator(`tr[data-warning="${w!.warningId}"]`);
    await row.waitFor();
    await row.getByRole("button", { name: "发出提示" }).click();
    await page.getByLabel("查明的事实（必填）").fill("经核查，该经营主体近期投诉集中，涉及商品质量问题。");
    await page.getByRole("button", { name: "确认发出" }).click();
    const detail = page.locator('[data-testid="notice-detail"]');
    await detail.waitFor();
    expect(await detail.innerText()).toContain("经核查，该经营主体近期投诉集中");
    const notices = (await api<{ notices: Array<components["schemas"]["Notice"]> }>(cityAdmin, `/v1/regulator/notices?source=manual&entity=${w!.entityId}`)).notices;
    expect(notices.map((n) => [n.warningId, n.issuedBy])).toEqual([[w!.warningId, `regulator:${cityAdmin.userId}`]]);
    await page.locator(`tr[data-notice="${notices[0]!.noticeId}"]`).waitFor();
    await shot("notices");
  });

  it("logs out: the login form is back and the console holds no token", async () => {
    await page.getByRole("button", { name: "退出" }).click();
    await page.getByLabel("用户名").waitFor();
    expect(await page.evaluate<string>("document.cookie + JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")).toBe("{}{}");
  });

  it("shows a 锦江 officer nothing of 武侯 in any view or export", async () => {
    await login(jinjiangOfficer);
    const o = await expectOverviewMatches(jinjiangOfficer, "");
    expect(o.region).toBe("510104");
    await expectSeriesMatches(jinjiangOfficer, "");
    await shot("overview-district-officer");
    // The map has figures for 锦江 only.
    const label = (await page.locator('[data-testid="district-map"]').getAttribute("aria-label"))!;
    expect(label).toContain("锦江区");
    expect(label).not.toContain("武侯区");

    // Search: by name and by the storm shop's id.
    for (const q of [city.wuhou.name, "ui-wh-0"]) {
      await page.getByLabel("查找经营主体").fill(q);
      await page.getByRole("button", { name: "查找" }).click();
      await page.getByText("辖区内没有匹配的经营主体。").waitFor();
    }
    // A 武侯 entity's address typed in by hand.
    await page.goto(`${gw.url}/console#/entity/${city.wuhou.entityId}`);
    await login(jinjiangOfficer); // a reload is a logout: the token lived in memory only
    await page.evaluate(`location.hash = "#/entity/${city.wuhou.entityId}"`);
    await page.getByRole("alert").filter({ hasText: "未找到" }).waitFor();

    // Warning library and its export.
    await page.getByRole("link", { name: "预警线索库" }).click();
    await page.locator('[data-testid="warnings-table"] tbody tr').first().waitFor();
    const regions = await page.locator('[data-testid="warnings-table"] td[data-region]').evaluateAll((tds) => tds.map((td) => td.getAttribute("data-region")));
    expect(regions.length).toBeGreaterThan(0);
    expect(regions.every((r) => r!.startsWith("510104"))).toBe(true);
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-warnings").click()]);
    const csv = readFileSync((await download.path())!, "utf8");
    expect(csv).toContain(city.jinjiang.name);
    expect(csv).not.toContain(city.wuhou.name);
    expect(csv).not.toContain("510107");
    await shot("warnings-district-officer");

    // Rectification queue, every status.
    await page.getByRole("link", { name: "整改审核" }).click();
    await page.locator('[data-testid="case-status"]').selectOption("all");
    await page.locator('[data-testid="cases-table"] tbody tr').first().waitFor();
    const caseRegions = await page.locator('[data-testid="cases-table"] td[data-region]').evaluateAll((tds) => tds.map((td) => td.getAttribute("data-region")));
    expect(caseRegions.every((r) => r!.startsWith("510104"))).toBe(true);
    expect(await page.locator('[data-testid="cases-table"]').innerText()).not.toContain(city.wuhou.name);
  });

  it("shows a 锦江 officer nothing of another district in the sandbox and notices views or their exports", async () => {
    type Members = components["schemas"]["SandboxMemberPage"];
    const elsewhere = (await api<Members>(cityOfficer, "/v1/regulator/sandbox/members?status=all&limit=500")).members.filter((m) => !m.regionCode.startsWith("510104"));
    expect(elsewhere.length).toBeGreaterThan(0);
    await page.getByRole("link", { name: "信用沙盒" }).click();
    await page.locator('[data-testid="sandbox-status-filter"]').selectOption("all");
    await page.locator('[data-testid="sandbox-table"]').waitFor();
    await expect.poll(() => page.evaluate<string>("location.hash")).toContain("status=all");
    await page.locator(`tr[data-entity="${jinjiangMember!.id}"]`).waitFor();
    const sandboxRegions = await page.locator('[data-testid="sandbox-table"] td[data-region]').evaluateAll((tds) => tds.map((td) => td.getAttribute("data-region")));
    expect(sandboxRegions.every((r) => r!.startsWith("510104"))).toBe(true);
    const [sandboxCsv] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-sandbox").click()]);
    const csv = readFileSync((await sandboxCsv.path())!, "utf8");
    expect(csv).toContain(jinjiangMember!.id);
    for (const m of elsewhere) expect(csv).not.toContain(m.entityId);
    // Another district's entity typed in by hand.
    await page.evaluate(`location.hash = "#/sandbox?status=all&entity=${city.wuhou.entityId}"`);
    await page.getByRole("alert").filter({ hasText: "未找到" }).waitFor();
    await shot("sandbox-district-officer");

    await page.getByRole("link", { name: "行政提示" }).click();
    await page.locator('[data-testid="notices-table"] tbody tr').first().waitFor();
    const noticeRegions = await page.locator('[data-testid="notices-table"] td[data-region]').evaluateAll((tds) => tds.map((td) => td.getAttribute("data-region")));
    expect(noticeRegions.length).toBeGreaterThan(0);
    expect(noticeRegions.every((r) => r!.startsWith("510104"))).toBe(true);
    expect(await page.locator('[data-testid="notices-table"]').innerText()).not.toContain(city.wuhou.name);
    const [noticesCsv] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-notices").click()]);
    const ncsv = readFileSync((await noticesCsv.path())!, "utf8");
    expect(ncsv).toContain(city.jinjiang.name);
    expect(ncsv).not.toContain(city.wuhou.name);
    expect(ncsv).not.toContain("510107");
    // The configuration is not in a district officer's navigation.
    expect(await page.getByRole("link", { name: "配置" }).count()).toBe(0);
  });

  it("ran without a single CSP violation", () => {
    expect(cspViolations).toEqual([]);
  });
});
