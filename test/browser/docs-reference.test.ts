// The API reference in a real browser: Debian's chromium, driven by playwright-core, opens
// /docs on a test gateway. The renderer (served by the gateway itself) must show the operation
// list and a request schema, and the page's CSP must not have blocked anything it needs.
// A screenshot lands in test/artifacts/ for a person to look at.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../src/paths.js";
import { startTestGateway, type TestGateway } from "../support/gateway.js";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`browser tests skipped: ${CHROMIUM} is absent (apt-get install -y chromium)`);

let gw: TestGateway;
let browser: BrowserContext;
let profile: string;

beforeAll(async () => {
  if (!haveChromium) return;
  gw = await startTestGateway();
  profile = mkdtempSync(join(tmpdir(), "csg-chromium-"));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gw?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe.skipIf(!haveChromium)("the API reference at /docs", () => {
  it("renders the operation list and a request schema, loading nothing from elsewhere", async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    const foreign: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
    // Anything fetched from another origin (the CSP should have refused it before it left).
    const isForeign = (url: string) => !url.startsWith(gw.url) && !url.startsWith("blob:") && !url.startsWith("data:");
    page.on("requestfinished", (r) => {
      if (isForeign(r.url())) foreign.push(r.url());
    });

    await page.goto(`${gw.url}/docs#tag/exchange/operation/postMerchantsBatch`, { waitUntil: "load" });
    // The side menu: tag groups and their operations.
    const menu = page.locator(".menu-content");
    await expect.poll(() => menu.getByText("Submit merchant (shop) records", { exact: false }).count(), { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await menu.getByText("Submit behaviour events", { exact: false }).count()).toBeGreaterThan(0);

    // The operation's request body schema, with its fields.
    const operation = page.locator('[id="tag/exchange/operation/postMerchantsBatch"]');
    await operation.scrollIntoViewIfNeeded();
    await expect.poll(() => operation.getByText("records", { exact: true }).first().isVisible(), { timeout: 15_000 }).toBe(true);
    await operation.getByText("records", { exact: true }).first().click();
    await expect.poll(() => operation.getByText("regionCode", { exact: true }).first().isVisible(), { timeout: 15_000 }).toBe(true);

    const artifacts = join(projectRoot(), "test", "artifacts");
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, "docs-reference.png") });

    expect(foreign).toEqual([]);
    // Redoc's footer links a logo on its vendor's CDN; the CSP refuses it and Redoc then drops
    // the image. Nothing else may be refused or fail.
    const attributionLogo = /cdn\.redoc\.ly\/redoc\/logo-mini\.svg/;
    expect(problems.filter((p) => !attributionLogo.test(p))).toEqual([]);
  }, 90_000);

  it("sends the reference with a CSP that allows only this origin", async () => {
    const res = await gw.fetch("/docs");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https?:|unsafe-eval/);
    expect(await res.text()).toContain('src="/docs/assets/redoc.standalone.js"');
    const bundle = await gw.fetch("/docs/assets/redoc.standalone.js");
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect((await gw.fetch("/docs/assets/package.json")).status).toBeGreaterThanOrEqual(400);
  });
});
