// The console in chromium as the browser tests drive it: one page (Chinese locale, Beijing time,
// downloads on) that records every Content Security Policy violation, and the login form.
import type { Page } from "playwright-core";
import type { LoggedInRegulator } from "../support/platform.js";
import { launchChromium, type LaunchedBrowser } from "./browser.js";

export interface ConsolePage {
  launched: LaunchedBrowser;
  page: Page;
  /** CSP violations the page reported (a test ends by expecting none). */
  cspViolations: string[];
}

export async function openConsolePage(): Promise<ConsolePage> {
  const launched = await launchChromium({ viewport: { width: 1366, height: 860 }, locale: "zh-CN", timezoneId: "Asia/Shanghai", acceptDownloads: true });
  const page = launched.context.pages()[0] ?? (await launched.context.newPage());
  page.setDefaultTimeout(15_000);
  const cspViolations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  return { launched, page, cspViolations };
}

/** Logs in through the form and waits for the overview's first figure. */
export async function loginToConsole(page: Page, gatewayUrl: string, who: LoggedInRegulator): Promise<void> {
  await page.goto(`${gatewayUrl}/console`);
  await page.getByLabel("用户名").fill(who.username);
  await page.getByLabel("密码").fill(who.password);
  await page.getByRole("button", { name: "登录" }).click();
  await page.locator('[data-stat="entities.total"]').waitFor();
}
