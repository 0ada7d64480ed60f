// decideFence, exhaustively: each admission criterion and blocker, each removal trigger,
// hysteresis (class and warning bands), the cool-down, the manual hold and its exceptions.
import { describe, expect, it } from "vitest";
import { DAY_MS, decideFence, removalTriggers, type FenceFacts, type Membership } from "./decide.js";
import type { FencePolicy } from "./policy.js";

const NOW = new Date("2026-06-15T12:00:00Z");
const ago = (days: number) => new Date(NOW.getTime() - days * DAY_MS);

const POLICY: FencePolicy = {
  admission: { classes: ["A"], minDaysInClass: 30, minHistoryDays: 60, blockingWarningSeverity: "high", requireNoOverdueRectification: true },
  removal: { classes: ["C", "D"], onSeriousViolation: true, onOverdueRectification: true, warningSeverity: "critical" },
  coolDownDays: 20,
  manualHoldDays: 10,
};
const policy = (patch: { admission?: Partial<FencePolicy["admission"]>; removal?: Partial<FencePolicy["removal"]>; coolDownDays?: number; manualHoldDays?: number } = {}): FencePolicy => ({
  ...POLICY,
  ...patch,
  admission: { ...POLICY.admission, ...patch.admission },
  removal: { ...POLICY.removal, ...patch.removal },
});

/** A clean class-A entity with enough history, never admitted. */
const CLEAN: FenceFacts = {
  riskClass: "A",
  classSince: ago(40),
  operatingSince: ago(100),
  maxOpenWarningSeverity: null,
  overdueRectifications: 0,
  seriousViolations365d: 0,
  membership: null,
};
const inside = (patch: Partial<Membership> = {}): Membership => ({ status: "inside", since: ago(50), lastRemovedAt: null, lastActor: "system", ...patch });
const outside = (patch: Partial<Membership> = {}): Membership => ({ status: "outside", since: ago(50), lastRemovedAt: ago(50), lastActor: "system", ...patch });
const facts = (patch: Partial<FenceFacts>): FenceFacts => ({ ...CLEAN, ...patch });
const decide = (f: Partial<FenceFacts>, p: FencePolicy = POLICY, now = NOW) => decideFence(p, facts(f), now);

describe("admission", () => {
  it("admits a clean entity that meets every criterion, never admitted before", () => {
    const d = decide({});
    expect(d).toMatchObject({ action: "admit", rule: "admission.criteria_met" });
    expect(d.reasonZh).toContain("纳入沙盒");
    expect(d.evidence).toMatchObject({ riskClass: "A", daysInClass: 40, historyDays: 100, membership: "none", seriousViolations365d: 0 });
  });

  it("admits an entity removed long ago once the cool-down is over (boundary: exactly coolDownDays)", () => {
    expect(decide({ membership: outside({ lastRemovedAt: ago(25) }) }).action).toBe("admit");
    expect(decide({ membership: outside({ lastRemovedAt: ago(20) }) }).action).toBe("admit");
  });

  it("admits class B only when the policy lists B", () => {
    expect(decide({ riskClass: "B" })).toMatchObject({ action: "none", rule: "blocked.class" });
    expect(decide({ riskClass: "B" }, policy({ admission: { classes: ["A", "B"] } })).action).toBe("admit");
  });

  it.each([
    ["unclassified", { riskClass: null, classSince: null }, "blocked.unclassified"],
    ["class in the hysteresis band", { riskClass: "B" }, "blocked.class"],
    ["too short in class", { classSince: ago(29.9) }, "blocked.min_days_in_class"],
    ["class start unknown", { classSince: null }, "blocked.min_days_in_class"],
    ["too little history", { operatingSince: ago(59) }, "blocked.min_history"],
    ["history unknown", { operatingSince: null }, "blocked.min_history"],
    ["an open high warning", { maxOpenWarningSeverity: "high" }, "blocked.warning"],
    ["the cool-down after a removal", { membership: outside({ lastRemovedAt: ago(19) }) }, "blocked.cool_down"],
    ["an officer's recent removal (manual hold)", { membership: outside({ since: ago(3), lastRemovedAt: ago(30), lastActor: "regulator:u1" }) }, "blocked.manual_hold"],
  ] as const)("is blocked by %s", (_name, patch, rule) => {
    const d = decide(patch as Partial<FenceFacts>);
    expect(d.action).toBe("none");
    expect(d.rule).toBe(rule);
    expect(d.evidence.blockers).toContain(rule);
  });

  it.each([
    ["a serious violation", { seriousViolations365d: 1 }, "blocked.serious_violation"],
    ["a removal class", { riskClass: "C" }, "blocked.class"],
    ["class D", { riskClass: "D" }, "blocked.class"],
    ["a critical warning", { maxOpenWarningSeverity: "critical" }, "blocked.warning"],
    ["an overdue rectification", { overdueRectifications: 1 }, "blocked.overdue_rectification"],
  ] as const)("is blocked by a removal trigger: %s", (_name, patch, rule) => {
    const d = decide(patch as Partial<FenceFacts>);
    expect(d).toMatchObject({ action: "none", rule });
    expect(d.reasonZh).toContain("不予准入");
  });

  it("a removal trigger blocks even where admission itself would not (no admit-then-remove)", () => {
    const p = policy({ admission: { blockingWarningSeverity: null, requireNoOverdueRectification: false } });
    expect(decide({ maxOpenWarningSeverity: "critical" }, p)).toMatchObject({ action: "none", rule: "blocked.warning" });
    expect(decide({ overdueRectifications: 2 }, p)).toMatchObject({ action: "none", rule: "blocked.overdue_rectification" });
    // and admission's own criterion blocks when removal does not use the trigger
    const own = decide({ overdueRectifications: 1 }, policy({ removal: { onOverdueRectification: false } }));
    expect(own).toMatchObject({ action: "none", rule: "blocked.overdue_rectification" });
    expect(own.evidence.blockers).toEqual(["blocked.overdue_rectification"]);
  });

  it("a warning below the blocking severity does not block; a null blocking severity never does", () => {
    expect(decide({ maxOpenWarningSeverity: "medium" }).action).toBe("admit");
    expect(decide({ maxOpenWarningSeverity: "high" }, policy({ admission: { blockingWarningSeverity: null }, removal: { warningSeverity: null } })).action).toBe("admit");
  });

  it("reports every unmet criterion, the first as the rule", () => {
    const d = decide({ classSince: ago(1), operatingSince: ago(2), maxOpenWarningSeverity: "high", membership: outside({ lastRemovedAt: ago(1) }) });
    expect(d.rule).toBe("blocked.min_days_in_class");
    expect(d.evidence.blockers).toEqual(["blocked.min_days_in_class", "blocked.min_history", "blocked.warning", "blocked.cool_down"]);
  });

  it("zero durations admit at once", () => {
    const p = policy({ admission: { minDaysInClass: 0, minHistoryDays: 0 }, coolDownDays: 0 });
    expect(decide({ classSince: NOW, operatingSince: NOW, membership: outside({ lastRemovedAt: NOW }) }, p).action).toBe("admit");
  });
});

describe("removal", () => {
  it("keeps a member that crosses no removal trigger", () => {
    expect(decide({ membership: inside() })).toMatchObject({ action: "none", rule: "stay.inside" });
  });

  it.each([
    ["class C", { riskClass: "C" }, "removal.class"],
    ["class D", { riskClass: "D" }, "removal.class"],
    ["a serious violation", { seriousViolations365d: 1 }, "removal.serious_violation"],
    ["an overdue rectification", { overdueRectifications: 1 }, "removal.overdue_rectification"],
    ["a critical warning (fence-rule breach)", { maxOpenWarningSeverity: "critical" }, "removal.warning"],
  ] as const)("removes a member on %s", (_name, patch, rule) => {
    const d = decide({ ...(patch as Partial<FenceFacts>), membership: inside() });
    expect(d).toMatchObject({ action: "remove", rule });
    expect(d.reasonZh).toContain("移出沙盒");
    expect(d.evidence.triggers).toContain(rule);
  });

  it("names the most serious trigger first and records them all", () => {
    const d = decide({ riskClass: "D", seriousViolations365d: 2, overdueRectifications: 1, maxOpenWarningSeverity: "critical", membership: inside() });
    expect(d.rule).toBe("removal.serious_violation");
    expect(d.evidence.triggers).toEqual(["removal.serious_violation", "removal.class", "removal.overdue_rectification", "removal.warning"]);
  });

  it("switched-off triggers do not remove", () => {
    const p = policy({ admission: { requireNoOverdueRectification: false }, removal: { onSeriousViolation: false, onOverdueRectification: false, warningSeverity: null } });
    const d = decide({ seriousViolations365d: 1, overdueRectifications: 3, maxOpenWarningSeverity: "critical", membership: inside() }, p);
    expect(d).toMatchObject({ action: "none", rule: "stay.inside" });
    expect(removalTriggers(p, facts({ riskClass: "D" })).map((t) => t.rule)).toEqual(["removal.class"]);
  });
});

describe("hysteresis", () => {
  it("class B between admission [A] and removal [C, D] holds the current state, inside or out", () => {
    expect(decide({ riskClass: "B", membership: inside() })).toMatchObject({ action: "none", rule: "stay.inside" });
    expect(decide({ riskClass: "B", membership: outside() })).toMatchObject({ action: "none", rule: "blocked.class" });
    expect(decide({ riskClass: "B" })).toMatchObject({ action: "none", rule: "blocked.class" });
  });

  it("a warning between the blocking and the removal severity holds too", () => {
    expect(decide({ maxOpenWarningSeverity: "high", membership: inside() }).action).toBe("none");
    expect(decide({ maxOpenWarningSeverity: "high", membership: outside() }).action).toBe("none");
  });

  it("an entity oscillating A <-> B is admitted once and never flaps", () => {
    let membership: Membership | null = null;
    let classSince = ago(40);
    const actions: string[] = [];
    let t = 0;
    for (const cls of ["A", "B", "A", "B", "A", "B", "A"] as const) {
      const now = new Date(NOW.getTime() + t * DAY_MS);
      const d = decideFence(POLICY, facts({ riskClass: cls, classSince, membership }), now);
      actions.push(d.action);
      if (d.action === "admit") membership = { status: "inside", since: now, lastRemovedAt: null, lastActor: "system" };
      t += 3;
      classSince = new Date(NOW.getTime() + t * DAY_MS);
    }
    expect(actions).toEqual(["admit", "none", "none", "none", "none", "none", "none"]);
  });

  it("A -> C -> B -> A: out on C, held out on B, back in on A only after the cool-down and time in class", () => {
    const steps: Array<{ day: number; cls: "A" | "B" | "C"; since: number }> = [
      { day: 0, cls: "A", since: -40 },
      { day: 5, cls: "C", since: 5 },
      { day: 8, cls: "B", since: 8 },
      { day: 10, cls: "A", since: 10 }, // in class 0 days, cool-down running
      { day: 26, cls: "A", since: 10 }, // 16 days in class, cool-down over (21 days after the removal)
      { day: 41, cls: "A", since: 10 }, // 31 days in class
    ];
    let membership: Membership | null = null;
    const out: string[] = [];
    for (const s of steps) {
      const now = new Date(NOW.getTime() + s.day * DAY_MS);
      const d = decideFence(POLICY, facts({ riskClass: s.cls, classSince: new Date(NOW.getTime() + s.since * DAY_MS), membership }), now);
      out.push(`${d.action}:${d.rule}`);
      if (d.action === "admit") membership = { status: "inside", since: now, lastRemovedAt: (membership as Membership | null)?.lastRemovedAt ?? null, lastActor: "system" };
      if (d.action === "remove") membership = { status: "outside", since: now, lastRemovedAt: now, lastActor: "system" };
    }
    expect(out).toEqual([
      "admit:admission.criteria_met",
      "remove:removal.class",
      "none:blocked.class",
      "none:blocked.min_days_in_class",
      "none:blocked.min_days_in_class",
      "admit:admission.criteria_met",
    ]);
  });
});

describe("manual hold", () => {
  const officerIn = (daysAgo: number) => inside({ since: ago(daysAgo), lastActor: "regulator:u1" });

  it("keeps an officer's admission against class C, an overdue rectification or a warning breach until the hold ends", () => {
    for (const patch of [{ riskClass: "C" }, { overdueRectifications: 1 }, { maxOpenWarningSeverity: "critical" }] as const) {
      expect(decide({ ...(patch as Partial<FenceFacts>), membership: officerIn(3) })).toMatchObject({ action: "none", rule: "hold.manual" });
      expect(decide({ ...(patch as Partial<FenceFacts>), membership: officerIn(10) }).action).toBe("remove");
    }
  });

  it("class D and a serious violation override the hold", () => {
    expect(decide({ riskClass: "D", membership: officerIn(1) })).toMatchObject({ action: "remove", rule: "removal.class" });
    expect(decide({ seriousViolations365d: 1, membership: officerIn(1) })).toMatchObject({ action: "remove", rule: "removal.serious_violation" });
    // with class C as well, the overriding trigger is the one named
    expect(decide({ riskClass: "C", seriousViolations365d: 1, membership: officerIn(1) }).rule).toBe("removal.serious_violation");
  });

  it("a system decision holds nothing", () => {
    expect(decide({ riskClass: "C", membership: inside({ since: ago(1) }) }).action).toBe("remove");
    expect(decide({ membership: outside({ since: ago(1), lastRemovedAt: ago(30) }) }).action).toBe("admit");
  });

  it("an officer's removal blocks automatic re-admission for the hold, then the cool-down decides", () => {
    const removedByOfficer = (daysAgo: number) => outside({ since: ago(daysAgo), lastRemovedAt: ago(daysAgo), lastActor: "regulator:u1" });
    expect(decide({ membership: removedByOfficer(5) }).evidence.blockers).toEqual(["blocked.cool_down", "blocked.manual_hold"]);
    expect(decide({ membership: removedByOfficer(15) }).rule).toBe("blocked.cool_down");
    expect(decide({ membership: removedByOfficer(20) }).action).toBe("admit");
  });
});

describe("an officer's hold until a date", () => {
  const until = new Date(NOW.getTime() + 5 * DAY_MS);
  it("keeps an entity inside against class C, an overdue rectification or a warning breach until the date", () => {
    for (const patch of [{ riskClass: "C" as const }, { overdueRectifications: 1 }, { maxOpenWarningSeverity: "critical" as const }]) {
      expect(decide({ ...patch, membership: inside(), holdUntil: until })).toMatchObject({ action: "none", rule: "hold.officer" });
      expect(decide({ ...patch, membership: inside(), holdUntil: until }, POLICY, new Date(until.getTime() + 1)).action).toBe("remove");
    }
  });
  it("class D and a serious violation override it", () => {
    expect(decide({ riskClass: "D", membership: inside(), holdUntil: until })).toMatchObject({ action: "remove", rule: "removal.class" });
    expect(decide({ seriousViolations365d: 1, membership: inside(), holdUntil: until })).toMatchObject({ action: "remove", rule: "removal.serious_violation" });
  });
  it("keeps an eligible entity outside until the date", () => {
    expect(decide({ membership: outside(), holdUntil: until })).toMatchObject({ action: "none", rule: "blocked.hold" });
    expect(decide({ holdUntil: until })).toMatchObject({ action: "none", rule: "blocked.hold" });
    expect(decide({ membership: outside(), holdUntil: ago(0.001) })).toMatchObject({ action: "admit" });
  });
});
