// The merchant link in a real browser (Debian's chromium): the link's token is in the URL
// fragment, so the server sees only /m; the page's own script (allowed by its CSP, no inline
// script) takes the token out of the address bar, loads the notice with it as a bearer, and the
// merchant acknowledges with the button. No request line ever carries the token, and nothing the
// CSP refused is needed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeUscc, merchant } from "../exchange-fixtures.js";
import { regulatorCall } from "../notices-fixtures.js";
import { startTestGateway, type TestGateway } from "../support/gateway.js";
import { loginRegulator, onboardPlatform } from "../support/platform.js";
import { hasChromium, launchChromium, type LaunchedBrowser } from "./browser.js";

let gw: TestGateway;
let browser: LaunchedBrowser;
let merchantUrl: string;
let noticeNo: string;

beforeAll(async () => {
  if (!hasChromium) return;
  gw = await startTestGateway();
  const p = await onboardPlatform(gw);
  const officer = await loginRegulator(gw, { role: "officer", regionPrefix: "5101" });
  const res = await p.signedRequest("/v1/merchants/batch", { records: [merchant("browser-shop", { uscc: makeUscc("510104"), regionCode: "510104", name: "浏览器测试小店" })] });
  const entityId = ((await res.json()) as { results: Array<{ entityId: string }> }).results[0]!.entityId;
  const issued = await regulatorCall(gw, officer, "POST", "/v1/regulator/notices", { entityId, facts: "浏览器中打开商户链接" });
  expect(issued.status).toBe(201);
  const { noticeId, noticeNo: no } = (await issued.json()) as { noticeId: string; noticeNo: string };
  noticeNo = no;
  merchantUrl = ((await (await p.get(`/v1/notices/${noticeId}`)).json()) as { merchantUrl: string }).merchantUrl;
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await gw?.close();
});

describe.skipIf(!hasChromium)("the merchant page in a browser", () => {
  it("opens the notice from the fragment's token and acknowledges it; the token never travels in a request line", async () => {
    const token = new URL(merchantUrl).hash.slice("#t=".length);
    const page = await browser.context.newPage();
    const problems: string[] = [];
    const requested: string[] = [];
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(m.text());
    });
    page.on("request", (r) => requested.push(r.url()));
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });

    await page.goto(merchantUrl, { waitUntil: "load" });
    await expect.poll(() => page.locator("main").textContent(), { timeout: 30_000 }).toContain(noticeNo);
    // The token left the address bar.
    expect(page.url()).toBe(`${gw.url}/m`);
    expect(await page.locator("main").textContent()).toContain("待确认收悉");

    await page.locator("#ack").click();
    await expect.poll(() => page.locator("main").textContent(), { timeout: 30_000 }).toContain("已确认收悉");

    // A reload keeps working (the token is kept for this tab only).
    await page.reload({ waitUntil: "load" });
    await expect.poll(() => page.locator("main").textContent(), { timeout: 30_000 }).toContain(noticeNo);

    expect(requested.some((u) => u.includes(token))).toBe(false);
    expect(requested).toContain(`${gw.url}/m/assets/notice.js`);
    expect(problems).toEqual([]);
    await page.close();
  });
});
