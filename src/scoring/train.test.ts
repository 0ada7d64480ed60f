// Acceptance on the synthetic population: a model trained before the cut and judged on the
// following period ranks, calibrates and classes entities well.
import { describe, expect, it } from "vitest";
import { populationTable } from "../sim/population.js";
import {
  crossValidate,
  evaluateModel,
  expertDefaultModel,
  kFoldAssignment,
  selectRows,
  tableFromRows,
  timeSplit,
  trainModel,
  violationRateRisesStrictly,
} from "./index.js";

const rows = populationTable({ entities: 3000, seed: 2024 });
const table = tableFromRows(rows.map((r) => ({ entity_id: r.entity_id, as_of: r.as_of, ...r.indicators })));
const labels = Uint8Array.from(rows, (r) => r.label);
const split = timeSplit(rows.map((r) => r.as_of), "2024-01-01", 365);
const pick = (idx: number[]) => Uint8Array.from(idx, (i) => labels[i] as number);
const trainTable = selectRows(table, split.train);
const testTable = selectRows(table, split.test);

describe("time split", () => {
  it("keeps training labels out of the test period", () => {
    expect(split.train.length).toBeGreaterThan(1000);
    expect(split.test.length).toBeGreaterThan(1000);
    for (const i of split.train) expect(rows[i]?.as_of).toBe("2023-01-01");
    for (const i of split.test) expect(rows[i]?.as_of).toBe("2024-01-01");
  });
});

describe("trained model on a held-out time split", () => {
  const model = trainModel(trainTable, pick(split.train), { seed: 1, exclude: ["as_of"] });
  const m = evaluateModel(model, testTable, pick(split.test));
  it("reaches AUC >= 0.80", () => {
    expect(m.auc).toBeGreaterThanOrEqual(0.8);
  });
  it("beats the base-rate predictor on Brier score", () => {
    expect(m.brier).toBeLessThan(m.brierBaseRate);
  });
  it("has a violation rate rising strictly from A to D", () => {
    expect(violationRateRisesStrictly(m), JSON.stringify(m.violationRateByClass)).toBe(true);
  });
  it("stores discretisation, cut-offs and training metrics in the artifact", () => {
    expect(model.features.some((f) => f.type === "numeric" && f.edges.length > 0)).toBe(true);
    expect(model.classes.cutoffs[0]).toBeLessThan(model.classes.cutoffs[2]);
    expect(model.metrics.training).toMatchObject({ n: split.train.length });
    expect(model.evidenceWeight).toBeGreaterThan(0);
  });
  it("is reproducible: same data and seed give the same artifact", () => {
    const again = trainModel(trainTable, pick(split.train), { seed: 1, exclude: ["as_of"] });
    expect(JSON.stringify(again)).toBe(JSON.stringify(model));
  });
});

describe("expert default model", () => {
  it("gives sensible classes on the synthetic population before any training", () => {
    const m = evaluateModel(expertDefaultModel(), testTable, pick(split.test));
    expect(m.auc).toBeGreaterThan(0.75);
    const r = m.violationRateByClass ?? { A: null, D: null };
    expect((r.D ?? 0) > 3 * (r.A ?? 1)).toBe(true);
  });
});

describe("k-fold cross-validation", () => {
  it("assigns balanced folds deterministically from the seed", () => {
    const a = kFoldAssignment(103, 10, 7);
    expect([...a]).toEqual([...kFoldAssignment(103, 10, 7)]);
    const sizes = Array.from({ length: 10 }, (_, k) => a.filter((f) => f === k).length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });
  it("reports per-fold and pooled metrics", () => {
    const cv = crossValidate(trainTable, pick(split.train), 3, 1, { exclude: ["as_of"] });
    expect(cv.perFold).toHaveLength(3);
    expect(cv.mean.auc).toBeGreaterThan(0.75);
    expect(cv.pooled.n).toBe(split.train.length);
  });
});
