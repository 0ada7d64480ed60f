// Credit restoration in a real browser (Debian's chromium): on the merchant page the explanation
// is shown and the application form (driven by the page's one nonce'd script, no inline
// handlers) sends the application, after which the page says it awaits review; in the console a
// district officer opens it from the 信用修复 queue and accepts it with a comment. No CSP
// violation on the way.
import { sql } from "drizzle-orm";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeUscc, merchant } from "../exchange-fixtures.js";
import { feedOf, post, regulatorCall } from "../notices-fixtures.js";
import { startTestGateway, type TestGateway } from "../support/gateway.js";
import { rescoresSettled } from "../support/rescores.js";
import { loginRegulator, onboardPlatform, type LoggedInRegulator } from "../support/platform.js";
import { ensureConsoleBuilt, hasChromium, launchChromium, type LaunchedBrowser } from "./browser.js";

let gw: TestGateway;
let launched: LaunchedBrowser;
let page: Page;
let url: string;
let entityId: string;
let officer: LoggedInRegulator;
const cspViolations: string[] = [];

describe.skipIf(!hasChromium)("merchant page: credit restoration in chromium", () => {
  beforeAll(async () => {
    ensureConsoleBuilt();
    gw = await startTestGateway();
    const platform = await onboardPlatform(gw, { name: "Alpha" });
    officer = await loginRegulator(gw, { role: "officer", regionPrefix: "510104" });
    const [r] = await post(platform, "/v1/merchants/batch", [merchant("page-0", { uscc: makeUscc("510104"), name: "锦江小吃店" })]);
    entityId = r!.entityId!;
    await rescoresSettled(gw);
    const res = await regulatorCall(gw, officer, "POST", "/v1/regulator/notices", { entityId, facts: "经营者信息公示不完整" });
    expect(res.status).toBe(201);
    const msg = (await feedOf(gw, platform)).find((m) => m.type === "notice.issued" && m.entityId === entityId)!;
    url = String(msg.data.merchantUrl);
    launched = await launchChromium();
    page = launched.context.pages()[0] ?? (await launched.context.newPage());
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
  }, 300_000);
  afterAll(async () => {
    await launched?.close();
    await gw?.close();
  });

  it("shows what keeps the merchant out and takes its application", async () => {
    await page.goto(url);
    await expect.poll(() => page.getByRole("heading", { name: "信用修复", exact: true }).count()).toBe(1);
    expect(await page.getByText("目前未纳入信用沙盒").count()).toBeGreaterThan(0);
    await page.fill("#r-text", "已在平台补全营业执照和联系方式公示。");
    await page.click("#restoration button[type=submit]");
    await expect.poll(() => page.getByText("等待监管部门审核").count(), { timeout: 30_000 }).toBeGreaterThan(0);
    const open = await gw.system.deps.db.rows<{ text: string; applied_by: string }>(
      sql`select text, applied_by from restoration_application where entity_id = ${entityId}::uuid and status = 'open'`,
    );
    expect(open).toEqual([{ text: "已在平台补全营业执照和联系方式公示。", applied_by: expect.stringMatching(/^merchant:/) }]);
    expect(cspViolations).toEqual([]);
  }, 60_000);

  it("is reviewed in the console: the officer accepts it from the 信用修复 queue", async () => {
    await page.goto(`${gw.url}/console`);
    await page.getByLabel("用户名").fill(officer.username);
    await page.getByLabel("密码").fill(officer.password);
    await page.getByRole("button", { name: "登录" }).click();
    await page.getByRole("link", { name: "信用修复" }).click();
    await page.locator('[data-testid="restorations-table"]').getByRole("link", { name: "锦江小吃店" }).click();
    const detail = page.locator('[data-testid="restoration-detail"]');
    await expect.poll(() => detail.getByText("已在平台补全营业执照和联系方式公示。").count(), { timeout: 15_000 }).toBe(1);
    await page.getByLabel("审核意见（必填）").fill("公示信息已补全，同意信用修复。");
    await detail.getByRole("button", { name: "通过" }).click();
    await expect.poll(() => detail.getByText("已通过，已重新评分。").count(), { timeout: 15_000 }).toBe(1);
    const [row] = await gw.system.deps.db.rows<{ status: string; review_comment: string }>(
      sql`select status, review_comment from restoration_application where entity_id = ${entityId}::uuid`,
    );
    expect(row).toEqual({ status: "accepted", review_comment: "公示信息已补全，同意信用修复。" });
    await rescoresSettled(gw);
    expect(cspViolations).toEqual([]);
  }, 60_000);
});
