// How a class is decided: thin data keeps an entity at B only while its evidence does not point
// higher, and probability floors keep a likely violation from reading as "general risk".
import { describe, expect, it } from "vitest";
import { asColumnarInput, compileModel, decideClass, expertDefaultModel, scoreColumns, scoreEntity, scoredClass, tableFromRows } from "./index.js";
import type { ClassPolicy, IndicatorRow } from "./types.js";
import { OVERRIDE_CODES } from "./classify.js";

const policy: ClassPolicy = {
  cutoffs: [2, 5, 12],
  probabilityFloors: [0.3, 0.5],
  overrides: { seriousViolation: [], licenceRevoked: [], history: "entity_age_days", minHistoryDays: 90, minKnownIndicators: 3 },
};
const facts = { seriousViolation: false, licenceRevoked: false, historyDays: 1000, knownIndicators: 10, knownEvidence: 0 };

describe("decideClass", () => {
  it("leaves an entity with enough history and data to its score", () => {
    for (const c of ["A", "B", "C", "D"] as const) expect(decideClass(policy, c, facts)).toEqual({ class: c });
  });
  it("serious violations and revoked licences are D whatever the score or the data", () => {
    expect(decideClass(policy, "A", { ...facts, historyDays: 5, seriousViolation: true })).toEqual({ class: "D", override: "serious_violation" });
    expect(decideClass(policy, "A", { ...facts, licenceRevoked: true })).toEqual({ class: "D", override: "licence_revoked" });
  });
  it("a young entity is never A on a short record: B with the reason", () => {
    expect(decideClass(policy, "A", { ...facts, historyDays: 30, knownEvidence: -2 })).toEqual({ class: "B", override: "insufficient_data" });
  });
  it("a young entity scored C or D on adverse known evidence keeps that class", () => {
    expect(decideClass(policy, "D", { ...facts, historyDays: 20, knownEvidence: 1.5 })).toEqual({ class: "D" });
    expect(decideClass(policy, "C", { ...facts, historyDays: 20, knownEvidence: 0.4 })).toEqual({ class: "C" });
  });
  it("a young entity scored C only by its category's prior and missing data is B", () => {
    expect(decideClass(policy, "C", { ...facts, historyDays: 20, knownEvidence: -0.2 })).toEqual({ class: "B", override: "insufficient_data" });
    expect(decideClass(policy, "C", { ...facts, historyDays: 20, knownEvidence: 0 })).toEqual({ class: "B", override: "insufficient_data" });
  });
  it("unknown history and too few known indicators are thin data too; a model without a history column ignores history", () => {
    expect(decideClass(policy, "A", { ...facts, historyDays: NaN })).toEqual({ class: "B", override: "insufficient_data" });
    expect(decideClass(policy, "A", { ...facts, knownIndicators: 2 })).toEqual({ class: "B", override: "insufficient_data" });
    const noHistory = { ...policy, overrides: { ...policy.overrides, history: null } };
    expect(decideClass(noHistory, "A", { ...facts, historyDays: NaN })).toEqual({ class: "A" });
  });
});

describe("scoredClass", () => {
  it("raises the expected-loss class to the probability floors, never lowers it", () => {
    expect(scoredClass(policy, 0.2, 1)).toBe("A");
    expect(scoredClass(policy, 0.3, 1)).toBe("C");
    expect(scoredClass(policy, 0.5, 1)).toBe("D");
    expect(scoredClass(policy, 0.01, 20)).toBe("D");
    expect(scoredClass({ ...policy, probabilityFloors: null }, 0.9, 1)).toBe("A");
  });
});

describe("the expert default model on the cases regulators check", () => {
  const model = compileModel(expertDefaultModel());
  const registered = {
    entity_type: "enterprise", has_uscc: 1, licence_status: "valid", licence_revoked: 0, licence_inconsistencies_365d: 0,
    record_changes_365d: 0, platform_count: 1, region_count: 1, related_entities: 0, related_worst_class: "none",
    related_violators_365d: 0, same_address_entities: 0,
  };
  const orderly = {
    complaints_90d: 0, complaint_rate_365d: 0, violations_365d: 0, violations_3y: 0, penalties_3y: 0, takedowns_365d: 0,
    reports_365d: 0, litigation_365d: 0, litigation_defendant_3y: 0, refund_rate_180d: 0.02, dispute_rate_180d: 0.1,
    rating_avg_180d: 4.7, gmv_365d_cents: 50_000_000, orders_365d: 5_000, disclosure_completeness: 1,
  };
  const storm = { ...orderly, complaints_90d: 60, complaint_rate_365d: 10, reports_365d: 7, penalties_3y: 1 };
  const cases: Array<[string, IndicatorRow, string, string | undefined]> = [
    ["food, two years, orderly sales", { category: "food", ...registered, ...orderly, entity_age_days: 730 }, "A", undefined],
    ["food, one month, no events", { category: "food", ...registered, entity_age_days: 30 }, "B", "insufficient_data"],
    ["food, two years, registration known but no events yet", { category: "food", ...registered, entity_age_days: 730 }, "B", "insufficient_data"],
    ["food, two years, no events and no food licence", { category: "food", ...registered, licence_status: "missing", entity_age_days: 730 }, "C", undefined],
    ["food, age unknown, no events", { category: "food", ...registered }, "B", "insufficient_data"],
    ["food, one month, orderly sales", { category: "food", ...registered, ...orderly, entity_age_days: 30 }, "B", "insufficient_data"],
    ["food, 20 days, complaint storm and a penalty", { category: "food", ...registered, ...storm, entity_age_days: 20 }, "D", undefined],
    ["food, two years, complaint storm", { category: "food", ...registered, ...storm, entity_age_days: 730 }, "D", undefined],
    ["apparel, two years, complaint storm", { category: "apparel", ...registered, licence_status: "not_required", ...storm, entity_age_days: 730 }, "C", undefined],
  ];
  it.each(cases)("%s -> %s", (_name, row, cls, override) => {
    const r = scoreEntity(model, row);
    expect(r.class).toBe(cls);
    expect(r.override).toBe(override);
  });
  it("the columnar scorer decides the same classes and overrides", () => {
    const table = tableFromRows(cases.map(([, row]) => ({ ...row })));
    const batch = scoreColumns(model, asColumnarInput(table));
    cases.forEach(([, row], i) => {
      const r = scoreEntity(model, row);
      expect(["A", "B", "C", "D"][batch.classCode[i]!]).toBe(r.class);
      expect(OVERRIDE_CODES[batch.overrideCode[i]!]).toBe(r.override);
    });
  });
});
