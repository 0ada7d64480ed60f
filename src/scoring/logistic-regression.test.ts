// The logistic-regression yardstick recovers known effects, and copes with missing and unseen values.
import { describe, expect, it } from "vitest";
import { createRng, fitLogisticRegression, predictLogisticRegression, sigmoid, tableFromRows, type IndicatorRow } from "./index.js";

function sample(n: number, seed: string) {
  const rng = createRng(seed);
  const rows: IndicatorRow[] = [];
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = rng.normal(10, 2);
    const c = rng.pick(["a", "b"]);
    y[i] = rng.next() < sigmoid(-1 + 0.75 * (x - 10) + (c === "b" ? 1 : 0)) ? 1 : 0;
    rows.push({ x, c });
  }
  return { table: tableFromRows(rows), y };
}

describe("plain logistic regression", () => {
  const train = sample(20_000, "lr-train");
  const model = fitLogisticRegression(train.table, train.y, ["x", "c"]);
  it("recovers the effects it was generated with (x standardised by its sd of 2)", () => {
    const [x, a, b] = model.coefficients as [number, number, number];
    expect(x).toBeCloseTo(1.5, 1);
    expect(b - a).toBeCloseTo(1, 1);
  });
  it("predicts new rows with calibrated probabilities", () => {
    const test = sample(20_000, "lr-test");
    const p = predictLogisticRegression(model, test.table);
    const mean = p.reduce((s, v) => s + v, 0) / p.length;
    const rate = test.y.reduce((s, v) => s + v, 0) / test.y.length;
    expect(Math.abs(mean - rate)).toBeLessThan(0.01);
  });
  it("gives finite predictions for missing and unseen values", () => {
    const odd = tableFromRows([{ x: null, c: "zebra" }, { x: 10, c: null }, { x: Number.NaN, c: "a" }], ["x", "c"]);
    for (const v of predictLogisticRegression(model, odd)) expect(v > 0 && v < 1).toBe(true);
  });
});
