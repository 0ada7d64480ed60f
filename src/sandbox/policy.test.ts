// The fence policy's semantic validator: every error, each with its path.
import { describe, expect, it } from "vitest";
import { DEFAULT_FENCE_POLICY, validateFencePolicy, type FencePolicy } from "./policy.js";

const edit = (patch: { admission?: Partial<FencePolicy["admission"]>; removal?: Partial<FencePolicy["removal"]>; coolDownDays?: number; manualHoldDays?: number }): FencePolicy => ({
  ...DEFAULT_FENCE_POLICY,
  ...patch,
  admission: { ...DEFAULT_FENCE_POLICY.admission, ...patch.admission },
  removal: { ...DEFAULT_FENCE_POLICY.removal, ...patch.removal },
});
const pointers = (p: FencePolicy, base?: string) => validateFencePolicy(p, base).map((e) => e.pointer);

describe("validateFencePolicy", () => {
  it("accepts the default and the shortened test policies", () => {
    expect(validateFencePolicy(DEFAULT_FENCE_POLICY)).toEqual([]);
    expect(validateFencePolicy(edit({ admission: { classes: ["A", "B"], minDaysInClass: 0, minHistoryDays: 0.5 }, removal: { classes: ["D"] }, coolDownDays: 0 }))).toEqual([]);
    expect(validateFencePolicy(edit({ admission: { blockingWarningSeverity: null }, removal: { warningSeverity: null } }))).toEqual([]);
  });

  it("refuses a class in both sets (the hysteresis band must exist), with every other error too", () => {
    const errors = validateFencePolicy(edit({ admission: { classes: ["A", "C"] }, removal: { classes: ["C", "D"] } }), "/policy");
    expect(errors.map((e) => e.pointer)).toEqual(["/policy/admission/classes/1", "/policy/removal/classes/0"]);
    expect(errors[1]!.message).toMatch(/both the admission and the removal set/);
  });

  it("refuses classes outside their side, missing A or D, duplicates and empty sets", () => {
    expect(pointers(edit({ admission: { classes: ["B"] } }))).toEqual(["/admission/classes"]);
    expect(pointers(edit({ removal: { classes: ["C"] } }))).toEqual(["/removal/classes"]);
    expect(pointers(edit({ removal: { classes: ["B", "D"] } }))).toEqual(["/removal/classes/0"]);
    expect(pointers(edit({ admission: { classes: ["A", "A"] } }))).toEqual(["/admission/classes/1"]);
    expect(pointers(edit({ admission: { classes: [] }, removal: { classes: [] } }))).toEqual(["/admission/classes", "/removal/classes"]);
  });

  it("refuses a removal trigger that admission would not refuse (admit, then remove at once)", () => {
    expect(pointers(edit({ admission: { blockingWarningSeverity: "critical" }, removal: { warningSeverity: "high" } }))).toEqual(["/admission/blockingWarningSeverity"]);
    expect(pointers(edit({ admission: { blockingWarningSeverity: null }, removal: { warningSeverity: "critical" } }))).toEqual(["/admission/blockingWarningSeverity"]);
    expect(pointers(edit({ admission: { requireNoOverdueRectification: false } }))).toEqual(["/admission/requireNoOverdueRectification"]);
    // equal severities are fine: blocked from the same level that removes
    expect(pointers(edit({ admission: { blockingWarningSeverity: "high" }, removal: { warningSeverity: "high" } }))).toEqual([]);
  });

  it("refuses negative or non-finite durations", () => {
    expect(pointers(edit({ coolDownDays: -1, manualHoldDays: Number.NaN, admission: { minDaysInClass: -0.5 } }))).toEqual([
      "/admission/minDaysInClass", "/coolDownDays", "/manualHoldDays",
    ]);
  });
});
