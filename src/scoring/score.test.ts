// Reason codes add up, the two scorers agree bit for bit, and odd inputs stay finite.
import { describe, expect, it } from "vitest";
import { populationTable } from "../sim/population.js";
import {
  BOUND_INDICATOR,
  compileModel,
  explainScore,
  expertDefaultModel,
  logit,
  rowAt,
  sameStates,
  scoreColumns,
  scoreEntity,
  tableFromRows,
  trainModel,
  asColumnarInput,
  type ModelArtifact,
  type ScoreResult,
} from "./index.js";
import { smoothedLogLR } from "./naive-bayes.js";

const rows = populationTable({ entities: 600, seed: 11 });
const table = tableFromRows(rows.map((r) => ({ entity_id: r.entity_id, ...r.indicators })));
const labels = Uint8Array.from(rows, (r) => r.label);
const trained = trainModel(table, labels, { seed: 3 });

function identityError(r: ScoreResult): number {
  const sum = r.contributions.reduce((s, c) => s + c.logLR, r.logitPrior);
  return Math.abs(logit(r.p) - sum);
}

describe.each<[string, ModelArtifact]>([
  ["expert default", expertDefaultModel()],
  ["trained", trained],
])("%s model", (_name, model) => {
  const compiled = compileModel(model);
  it("prior logit + contributions = logit(p) for every row (1e-9)", () => {
    let worst = 0;
    for (let i = 0; i < table.n; i++) worst = Math.max(worst, identityError(scoreEntity(compiled, rowAt(table, i))));
    expect(worst).toBeLessThan(1e-9);
  });
  it("per-entity and columnar scoring agree exactly", () => {
    const batch = scoreColumns(compiled, asColumnarInput(table));
    for (let i = 0; i < table.n; i++) {
      const r = scoreEntity(compiled, rowAt(table, i));
      expect(batch.p[i]).toBe(r.p);
      expect(batch.expectedLoss[i]).toBe(r.expectedLoss);
      expect("ABCD"[batch.classCode[i] as number]).toBe(r.class);
    }
  });
  it("is deterministic: scoring twice serialises to the same bytes", () => {
    const a = JSON.stringify(Array.from({ length: 50 }, (_, i) => scoreEntity(compileModel(model), rowAt(table, i))));
    const b = JSON.stringify(Array.from({ length: 50 }, (_, i) => scoreEntity(compileModel(model), rowAt(table, i))));
    expect(a).toBe(b);
  });
});

describe("robustness", () => {
  const compiled = compileModel(trained);
  it("zero counts give finite, and for unseen states exactly neutral, log LRs", () => {
    const t = smoothedLogLR({ pos: Float64Array.from([0, 5, 0]), neg: Float64Array.from([40, 0, 0]) }, 20);
    expect([...t].every(Number.isFinite)).toBe(true);
    expect(t[2]).toBe(0);
    expect(t[0]).toBeLessThan(0);
    expect(t[1]).toBeGreaterThan(0);
    const none = smoothedLogLR({ pos: new Float64Array(3), neg: Float64Array.from([1, 2, 3]) }, 20);
    expect([...none].every(Number.isFinite)).toBe(true);
  });
  it("handles an unseen category, unseen levels and all-missing input", () => {
    const r = scoreEntity(compiled, { category: "spaceships", licence_status: "holographic", complaints_90d: null, rating_avg_180d: "" });
    expect(Number.isFinite(r.p) && r.p > 0 && r.p < 1).toBe(true);
    // the prior logit is on the calibrated scale: multiplied by the calibration slope
    expect(r.logitPrior).toBeCloseTo((trained.calibration?.slope ?? 1) * logit(trained.prior.globalRate), 12);
    expect(r.contributions.find((c) => c.indicator === "licence_status")?.state).toBe("other");
    expect(r.contributions.find((c) => c.indicator === "complaints_90d")?.state).toBe("missing");
    expect(identityError(r)).toBeLessThan(1e-9);
    const empty = scoreEntity(compiled, {});
    expect(empty.override).toBe("insufficient_data");
    expect(empty.class).toBe("B");
  });
  it("missing is its own state, not zero", () => {
    const zero = scoreEntity(compiled, { category: "food", violations_3y: 0 });
    const missing = scoreEntity(compiled, { category: "food", violations_3y: null });
    const z = zero.contributions.find((c) => c.indicator === "violations_3y");
    const m = missing.contributions.find((c) => c.indicator === "violations_3y");
    expect(m?.state).toBe("missing");
    expect(z?.state).not.toBe("missing");
  });
  it("bounds extreme evidence and reports the clip as a contribution", () => {
    const extreme = compileModel({ ...expertDefaultModel(), evidenceWeight: 20 });
    const r = scoreEntity(extreme, { category: "food", violations_365d: 5, violations_3y: 9, complaints_90d: 50, rating_avg_180d: 1 });
    expect(r.contributions.at(-1)?.indicator).toBe(BOUND_INDICATOR);
    expect(r.p).toBeLessThan(1);
    expect(identityError(r)).toBeLessThan(1e-9);
  });
  it("overrides: serious violation and revoked licence -> D, short history -> B, reported", () => {
    const base = { category: "apparel", entity_age_days: 2000, complaints_90d: 0, violations_3y: 0, rating_avg_180d: 4.9 };
    expect(scoreEntity(compiled, base).override).toBeUndefined();
    expect(scoreEntity(compiled, { ...base, serious_violations_365d: 1 })).toMatchObject({ class: "D", override: "serious_violation" });
    expect(scoreEntity(compiled, { ...base, licence_revoked: 1 })).toMatchObject({ class: "D", override: "licence_revoked" });
    expect(scoreEntity(compiled, { ...base, entity_age_days: 20 })).toMatchObject({ class: "B", override: "insufficient_data" });
  });
  it("explains the top contributions in Chinese and English", () => {
    const r = scoreEntity(compileModel(expertDefaultModel()), { category: "food", violations_365d: 1, complaints_90d: 4, serious_violations_365d: 1 });
    const reasons = explainScore(r, { top: 2 });
    expect(reasons[0]?.indicator).toBe("override:serious_violation");
    expect(reasons[1]?.indicator).toBe("violations_365d");
    expect(reasons[1]?.zh).toContain("近一年确认违法次数");
    expect(reasons[1]?.en).toMatch(/raises the odds of a violation ×\d/);
  });
});

describe("sameStates", () => {
  const m = compileModel(expertDefaultModel());
  const watched = new Set(["same_address_entities", "related_worst_class"]);
  const row = { same_address_entities: 2, related_worst_class: "B", complaints_90d: 0 };
  it("reads values through the model's bins: a move inside a bin is no change, across an edge is", () => {
    expect(sameStates(m, row, { ...row, same_address_entities: 5 }, watched)).toBe(true);
    expect(sameStates(m, row, { ...row, same_address_entities: 6 }, watched)).toBe(false);
    expect(sameStates(m, row, { ...row, same_address_entities: 0 }, watched)).toBe(false);
    expect(sameStates(m, row, { ...row, related_worst_class: "C" }, watched)).toBe(false);
    expect(sameStates(m, row, { ...row, same_address_entities: null }, watched)).toBe(false);
  });
  it("looks only at the indicators it is given", () => {
    expect(sameStates(m, row, { ...row, complaints_90d: 40 }, watched)).toBe(true);
    expect(sameStates(m, row, { ...row, complaints_90d: 40 }, new Set(["complaints_90d"]))).toBe(false);
  });
});
