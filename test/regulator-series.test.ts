// The overview's series (GET /v1/regulator/overview/series) end to end: sandbox admissions and
// removals by hand, a merchant's class going up and its warnings, a manual notice — each counted on
// its Beijing calendar day (the clock sits where the UTC and the Beijing date differ), inside the
// caller's region only, every day present, and the window bounded.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.js";
import { complaint, makeUscc, merchant } from "./exchange-fixtures.js";
import { jobsDone, post } from "./notices-fixtures.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { rescoresSettled } from "./support/rescores.js";
import { PLATFORM_SCOPES } from "../src/auth/platforms.js";
import { loginRegulator, onboardPlatform, type LoggedInRegulator, type OnboardedPlatform } from "./support/platform.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// 15:50 UTC is 23:50 in Beijing; an hour later it is the next day there but not in UTC (and the
// regulators' tokens, eight hours long on this clock, still hold).
const utcToday = new Date().toISOString().slice(0, 10);
const clock = new ManualClock(`${utcToday}T15:50:00Z`);
const beijing = (t: Date) => new Date(t.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
let gw: TestGateway;
let platform: OnboardedPlatform;
let city: LoggedInRegulator;
let wuhou: LoggedInRegulator;

type Point = { date: string; admitted: number; removed: number; warningsRaised: number; noticesIssued: number; classUp: number; classDown: number };
type Series = { region: string; days: number; from: string; to: string; timeZone: string; points: Point[] };
const call = (who: LoggedInRegulator, method: string, path: string, body?: unknown) =>
  gw.fetch(path, {
    method,
    headers: { authorization: `Bearer ${who.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const series = async (who: LoggedInRegulator, q: string): Promise<Series> => {
  const res = await call(who, "GET", `/v1/regulator/overview/series${q}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Series;
};

beforeAll(async () => {
  gw = await startTestGateway({ clock });
  // A regulator-side source too: it reports a serious confirmed violation below, which no ordinary platform may.
  platform = await onboardPlatform(gw, { name: "Series", scopes: [...PLATFORM_SCOPES] });
  city = await loginRegulator(gw, { role: "officer", regionPrefix: "5101" });
  wuhou = await loginRegulator(gw, { role: "officer", regionPrefix: "510107" });
});
afterAll(async () => gw?.close());

describe("the overview series", () => {
  it("counts each change on its Beijing day, inside the caller's region, every day present", async () => {
    const day1 = beijing(clock.now());
    expect(day1).toBe(utcToday);
    const [a, b, c] = await post(platform, "/v1/merchants/batch", [
      merchant("series-a", { uscc: makeUscc("510104"), regionCode: "510104", category: "apparel" }),
      merchant("series-b", { uscc: makeUscc("510104"), regionCode: "510104", category: "apparel" }),
      merchant("series-c", { uscc: makeUscc("510107"), regionCode: "510107", category: "apparel" }),
    ]);
    for (const e of [a, b, c]) {
      const res = await call(city, "POST", `/v1/regulator/sandbox/${e!.entityId}/admit`, { reason: "试点纳入" });
      expect(res.status, await res.clone().text()).toBe(200);
    }

    clock.advance(HOUR);
    const day2 = beijing(clock.now());
    expect(clock.now().toISOString().slice(0, 10)).toBe(utcToday);
    expect(day2).not.toBe(utcToday);
    expect((await call(city, "POST", `/v1/regulator/sandbox/${a!.entityId}/remove`, { reason: "现场检查发现问题" })).status).toBe(200);
    expect((await call(city, "POST", "/v1/regulator/notices", { entityId: c!.entityId, facts: "人工提示" })).status).toBe(201);
    // A merchant classified once, then a serious violation and a complaint storm: its class goes up (and warnings).
    const [d] = await post(platform, "/v1/merchants/batch", [merchant("series-d-0", { uscc: makeUscc("510104"), regionCode: "510104", category: "apparel", name: "series-d 服装店" })]);
    const storm = d!.entityId!;
    await rescoresSettled(gw);
    await post(platform, "/v1/events/batch", [
      // A confirmed serious violation: class D whatever the score (the serious-violation override).
      { eventId: "series-d-v", shopId: "series-d-0", kind: "violation_confirmed", occurredAt: new Date(clock.now().getTime() - HOUR).toISOString(), data: { violationType: "counterfeit goods", serious: true } },
      ...Array.from({ length: 24 }, (_, k) =>
        complaint(`series-d-c${k}`, "series-d-0", new Date(clock.now().getTime() - (k + 1) * 60_000).toISOString(), { data: { channel: "hotline_12315", reason: "以次充好" } })),
    ]);
    await rescoresSettled(gw);
    await jobsDone(gw, "warning.raised");
    // The storm moved its merchant up (its first classification, on registration, is no change).
    const history = ((await (await call(city, "GET", `/v1/regulator/entities/${storm}`)).json()) as { history: Array<{ riskClass: string }> }).history.map((h) => h.riskClass).reverse();
    const steps = history.slice(1).map((c, i) => (c > history[i]! ? "up" : c < history[i]! ? "down" : "same"));
    const [up, down] = [steps.filter((x) => x === "up").length, steps.filter((x) => x === "down").length];
    expect(up, JSON.stringify(history)).toBeGreaterThan(0);

    const all = await series(city, "?days=3");
    expect(all).toMatchObject({ region: "5101", days: 3, timeZone: "Asia/Shanghai", to: day2 });
    expect(all.points.map((p) => p.date)).toEqual([beijing(new Date(clock.now().getTime() - 2 * DAY)), day1, day2]);
    const on = (s: Series, date: string) => s.points.find((p) => p.date === date)!;
    expect(on(all, day1)).toEqual({ date: day1, admitted: 3, removed: 0, warningsRaised: 0, noticesIssued: 0, classUp: 0, classDown: 0 });
    const stormWarnings = on(all, day2).warningsRaised;
    expect(stormWarnings).toBeGreaterThan(0);
    expect(on(all, day2)).toEqual({ date: day2, admitted: 0, removed: 1, warningsRaised: stormWarnings, noticesIssued: 1, classUp: up, classDown: down });

    // 武侯 sees its own admission and notice only; a narrower region inside the scope, or one outside it.
    const mine = await series(wuhou, "?days=3");
    expect(mine.region).toBe("510107");
    expect([on(mine, day1), on(mine, day2)]).toEqual([
      { date: day1, admitted: 1, removed: 0, warningsRaised: 0, noticesIssued: 0, classUp: 0, classDown: 0 },
      { date: day2, admitted: 0, removed: 0, warningsRaised: 0, noticesIssued: 1, classUp: 0, classDown: 0 },
    ]);
    expect(on(await series(city, "?days=3&region=510104"), day2)).toEqual({ date: day2, admitted: 0, removed: 1, warningsRaised: stormWarnings, noticesIssued: 0, classUp: up, classDown: down });
    const outside = await series(wuhou, "?days=3&region=510104");
    expect(outside.region).toBe("");
    expect(outside.points.every((p) => p.admitted + p.removed + p.warningsRaised + p.noticesIssued + p.classUp + p.classDown === 0)).toBe(true);
  });

  it("is bounded: 90 days by default, at most 366", async () => {
    expect((await series(city, "")).points).toHaveLength(90);
    expect((await series(city, "?days=366")).points).toHaveLength(366);
    for (const days of [0, 367]) expect((await call(city, "GET", `/v1/regulator/overview/series?days=${days}`)).status).toBe(400);
  });
});
