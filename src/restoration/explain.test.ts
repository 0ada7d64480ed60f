import { describe, expect, it } from "vitest";
import { DAY_MS } from "../db/time.js";
import type { FenceFacts } from "../sandbox/decide.js";
import { DEFAULT_FENCE_POLICY } from "../sandbox/policy.js";
import type { ScoreResult } from "../scoring/index.js";
import { explainFence, explainReasons } from "./explain.js";

const now = new Date("2026-06-01T00:00:00Z");
const daysAgo = (n: number) => new Date(now.getTime() - n * DAY_MS);
const facts = (over: Partial<FenceFacts> = {}): FenceFacts => ({
  riskClass: "A",
  classSince: daysAgo(400),
  operatingSince: daysAgo(400),
  maxOpenWarningSeverity: null,
  overdueRectifications: 0,
  seriousViolations365d: 0,
  membership: null,
  holdUntil: null,
  ...over,
});
const score = (contributions: Array<[string, string, number]>): ScoreResult => ({
  p: 0.2, logitPrior: -2, loss: 1, expectedLoss: 0.2, class: "C", modelVersion: "expert-1",
  contributions: contributions.map(([indicator, state, logLR]) => ({ indicator, state, logLR })),
} as unknown as ScoreResult);

describe("explainFence", () => {
  it("says an entity meeting every criterion will be admitted at the next evaluation", () => {
    const e = explainFence(DEFAULT_FENCE_POLICY, facts(), undefined, now);
    expect(e).toMatchObject({ sandbox: "outside", blockers: [], nextEligibleAt: now.toISOString() });
  });

  it("dates the next eligibility from the latest time-bound blocker", () => {
    const e = explainFence(DEFAULT_FENCE_POLICY, facts({ classSince: daysAgo(30), membership: { status: "outside", since: daysAgo(10), lastRemovedAt: daysAgo(10), lastActor: "system" } }), undefined, now);
    expect(e.blockers.map((b) => b.rule)).toEqual(["blocked.min_days_in_class", "blocked.cool_down"]);
    expect(e.blockers.map((b) => b.until)).toEqual([new Date(daysAgo(30).getTime() + 90 * DAY_MS).toISOString(), new Date(daysAgo(10).getTime() + 90 * DAY_MS).toISOString()]);
    expect(e.nextEligibleAt).toBe(new Date(daysAgo(10).getTime() + 90 * DAY_MS).toISOString());
    expect(e.nextEligibleZh).toBe(`如无新的问题，最早可于${e.nextEligibleAt!.slice(0, 10)}纳入沙盒。`);
  });

  it("gives no date while something must be rectified first", () => {
    const e = explainFence(DEFAULT_FENCE_POLICY, facts({ riskClass: "C", maxOpenWarningSeverity: "high" }), undefined, now);
    expect(e.blockers.map((b) => [b.rule, b.kind])).toEqual([["blocked.class", "actionable"], ["blocked.warning", "actionable"]]);
    expect(e.nextEligibleAt).toBeNull();
    expect(e.summaryZh).toMatch(/^目前未纳入信用沙盒：信用风险分类为C类/);
  });

  it("has nothing to restore inside the sandbox", () => {
    const e = explainFence(DEFAULT_FENCE_POLICY, facts({ membership: { status: "inside", since: daysAgo(5), lastRemovedAt: null, lastActor: "system" } }), undefined, now);
    expect(e).toMatchObject({ sandbox: "inside", blockers: [], nextEligibleAt: null });
  });
});

describe("explainReasons", () => {
  it("sorts the score's risk reasons into actionable, time-bound and fixed, strongest first", () => {
    const r = explainReasons(score([["category", "food", 0.3], ["complaints_90d", "[5, inf)", 0.9], ["violations_365d", "[1, inf)", 0.5], ["rating_avg_180d", "[4.5, inf)", -0.4]]));
    expect(r.map((x) => [x.indicator, x.kind])).toEqual([["complaints_90d", "actionable"], ["violations_365d", "time"], ["category", "fixed"]]);
    expect(r[0]!.textZh).toMatch(/^近期投诉/);
    expect(r[1]!.adviceZh).toMatch(/近一年/);
  });
});
