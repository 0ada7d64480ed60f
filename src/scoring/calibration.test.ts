// Calibration: Platt scaling recovers a known miscalibration, training repairs a naive Bayes
// that is over-confident in a way its shared evidence weight cannot fix, and a calibrated model
// keeps the reason codes additive and its two scorers in bit-for-bit agreement.
import { describe, expect, it } from "vitest";
import { populationTable } from "../sim/population.js";
import {
  CALIBRATION_INDICATOR,
  asColumnarInput,
  compileModel,
  contributionsOf,
  createRng,
  evaluateModel,
  explainScore,
  fitPlatt,
  logit,
  plattBrier,
  rowAt,
  scoreColumns,
  scoreEntity,
  sigmoid,
  tableFromRows,
  trainModel,
  type ScoreResult,
} from "./index.js";

describe("Platt scaling", () => {
  it("recovers the slope and intercept of an over-confident score and lowers its Brier score", () => {
    const rng = createRng("platt");
    const n = 20_000;
    const z = new Float64Array(n);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const truth = rng.normal(-1, 1.5);
      y[i] = rng.next() < sigmoid(truth) ? 1 : 0;
      z[i] = 3 * truth + 1; // three times too sure, and shifted
    }
    const fit = fitPlatt(z, y);
    expect(fit.slope).toBeCloseTo(1 / 3, 1);
    expect(fit.intercept).toBeCloseTo(-1 / 3, 1);
    expect(plattBrier(z, y, fit)).toBeLessThan(plattBrier(z, y, { slope: 1, intercept: 0 }) - 0.01);
  });
});

/** A weak real signal among many categorical indicators of pure noise, each level seen a handful of times. */
function noisyPopulation(n: number, seed: string) {
  const rng = createRng(seed);
  const rows: Record<string, string>[] = [];
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const signal = rng.pick(["low", "mid", "high"]);
    labels[i] = rng.next() < (signal === "low" ? 0.1 : signal === "mid" ? 0.25 : 0.45) ? 1 : 0;
    const row: Record<string, string> = { signal };
    for (let f = 0; f < 40; f++) row[`noise_${f}`] = `level_${rng.int(300)}`;
    rows.push(row);
  }
  return { table: tableFromRows(rows), labels };
}

describe("training calibrates on held-out folds", () => {
  // With almost no smoothing the noise levels get extreme log-LRs; the shared evidence weight
  // bottoms out at its floor and the summed noise still makes the model far too sure.
  const train = noisyPopulation(2000, "train");
  const test = noisyPopulation(4000, "test");
  const opts = { seed: 1, pseudoCount: 0.05, evidenceWeights: "shared" } as const;
  const uncalibrated = trainModel(train.table, train.labels, { ...opts, calibration: "none" });
  const calibrated = trainModel(train.table, train.labels, opts);
  const before = evaluateModel(uncalibrated, test.table, test.labels);
  const after = evaluateModel(calibrated, test.table, test.labels);

  it("repairs a deliberately over-confident naive Bayes on new rows", () => {
    expect(uncalibrated.evidenceWeight).toBe(calibrated.evidenceWeight);
    expect(before.brier).toBeGreaterThan(before.brierBaseRate); // worse than knowing nothing
    expect(calibrated.calibration?.slope).toBeLessThan(0.5);
    expect(after.brier).toBeLessThan(before.brier - 0.01);
    expect(after.brier).toBeLessThan(after.brierBaseRate + 0.002);
    // the lowest decile was predicted far below what it observed; calibrated it is close
    const gap = (m: typeof before) => Math.abs((m.calibration[0]?.meanPredicted ?? 0) - (m.calibration[0]?.observedRate ?? 1));
    expect(gap(before)).toBeGreaterThan(0.15);
    expect(gap(after)).toBeLessThan(0.1);
  });
  it("keeps the ranking: AUC is unchanged by the monotone rescaling", () => {
    const { calibration: _c, ...stripped } = calibrated;
    expect(evaluateModel(stripped, test.table, test.labels).auc).toBe(after.auc);
  });
  it("records what the held-out folds showed", () => {
    expect(calibrated.training.calibration).toMatchObject({ method: "platt", folds: 5, binning: { chosen: "mdl" } });
    const oof = (calibrated.training.calibration as { outOfFold: Record<string, number> }).outOfFold;
    expect(oof.brierAfter).toBeLessThan(oof.brierBefore as number);
    expect(uncalibrated.calibration).toBeUndefined();
    expect(uncalibrated.training.calibration).toEqual({ method: "none", folds: 5, binning: { chosen: "mdl", outOfFoldLogLoss: expect.any(Object) } });
  });
});

describe("a calibrated model's scores", () => {
  const rows = populationTable({ entities: 800, seed: 5 });
  const table = tableFromRows(rows.map((r) => r.indicators));
  const model = trainModel(table, Uint8Array.from(rows, (r) => r.label), { seed: 2 });
  const compiled = compileModel(model);
  const results: ScoreResult[] = Array.from({ length: table.n }, (_, i) => scoreEntity(compiled, rowAt(table, i)));

  it("is calibrated, with the intercept reported as its own contribution", () => {
    expect(model.calibration?.method).toBe("platt");
    expect(model.calibration?.slope).not.toBe(1);
    for (const r of results) expect(r.contributions.filter((c) => c.indicator === CALIBRATION_INDICATOR)).toEqual([{ indicator: CALIBRATION_INDICATOR, state: "platt", logLR: model.calibration?.intercept }]);
  });
  it("prior logit + every contribution = logit(p)", () => {
    for (const r of results) expect(Math.abs(r.contributions.reduce((s, c) => s + c.logLR, r.logitPrior) - logit(r.p))).toBeLessThan(1e-9);
  });
  it("scales each indicator's term by the calibration slope", () => {
    const { calibration: _c, ...raw } = model;
    const plain = scoreEntity(compileModel(raw), rowAt(table, 0));
    const slope = model.calibration?.slope ?? NaN;
    const calibratedTerms = results[0]?.contributions.filter((c) => !c.indicator.startsWith("_")) ?? [];
    plain.contributions.forEach((c, k) => expect(calibratedTerms[k]?.logLR).toBeCloseTo(c.logLR * slope, 12));
    expect(results[0]?.logitPrior).toBeCloseTo(plain.logitPrior * slope, 12);
  });
  it("scoreEntity and scoreColumns agree to the last bit", () => {
    const batch = scoreColumns(compiled, asColumnarInput(table));
    results.forEach((r, i) => {
      expect(batch.p[i]).toBe(r.p);
      expect(batch.logitPrior[i]).toBe(r.logitPrior);
      expect(batch.expectedLoss[i]).toBe(r.expectedLoss);
      expect("ABCD"[batch.classCode[i] as number]).toBe(r.class);
    });
  });
  it("history's feature states rebuild the same terms, calibration included", () => {
    for (const r of results.slice(0, 50)) expect(contributionsOf(compiled, r.logitPrior, r.states ?? []).contributions).toEqual(r.contributions);
  });
  it("never cites the calibration term as a reason", () => {
    for (const r of results) expect(explainScore(r, { top: 30, direction: "both", minAbsLogLR: 0 }).some((x) => x.indicator === CALIBRATION_INDICATOR)).toBe(false);
  });
  it("clips extreme evidence after calibration and still adds up", () => {
    const extreme = compileModel({ ...model, features: model.features.map((f) => ({ ...f, weight: 2 })), logitBound: 1 });
    const r = scoreEntity(extreme, rowAt(table, 0));
    expect(r.contributions.at(-1)?.indicator).toBe("_bound");
    expect(Math.abs(logit(r.p))).toBeCloseTo(1, 12);
    expect(Math.abs(r.contributions.reduce((s, c) => s + c.logLR, r.logitPrior) - logit(r.p))).toBeLessThan(1e-9);
  });
});
