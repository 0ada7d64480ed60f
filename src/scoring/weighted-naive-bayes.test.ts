// Per-indicator evidence weights: redundant copies of one indicator share its weight instead of
// each counting it in full, noise is shrunk, and no weight turns a risk state into a relief.
import { describe, expect, it } from "vitest";
import { createRng, sigmoid } from "./index.js";
import { fitEvidenceWeight, fitFeatureWeights } from "./weighted-naive-bayes.js";

describe("per-indicator evidence weights", () => {
  const rng = createRng("weights");
  const n = 20_000;
  const prior = new Float64Array(n).fill(-1);
  const signal = new Float64Array(n);
  const noise = new Float64Array(n);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    signal[i] = rng.pick([-0.8, 0, 1.2]);
    noise[i] = rng.normal(0, 0.5);
    y[i] = rng.next() < sigmoid(-1 + (signal[i] as number)) ? 1 : 0;
  }
  const reversed = signal.map((x) => -x);
  const sum = (cols: Float64Array[]) => Float64Array.from({ length: n }, (_, i) => cols.reduce((s, c) => s + (c[i] as number), 0));

  it("lets three copies of one indicator share its weight, where a shared weight must compromise", () => {
    const cols = [signal, signal, signal, noise];
    const shared = fitEvidenceWeight(prior, sum(cols), y);
    const w = fitFeatureWeights(prior, cols, y, shared, 30);
    expect((w[0] as number) + (w[1] as number) + (w[2] as number)).toBeCloseTo(1, 1);
    expect(w[3] as number).toBeLessThan(0.1);
    expect(shared).toBeGreaterThan(0.2); // the shared weight keeps too much of the noise
  });
  it("pins at 0 a weight that would turn negative, and keeps every weight in [0, 2]", () => {
    const cols = [signal, reversed, noise];
    const w = fitFeatureWeights(prior, cols, y, fitEvidenceWeight(prior, sum(cols), y), 30);
    expect(w[1]).toBe(0);
    expect(w[0] as number).toBeCloseTo(1, 1);
    for (const x of w) expect(x >= 0 && x <= 2).toBe(true);
  });
  it("keeps the shared weight for an indicator with no data to say otherwise", () => {
    const empty = new Float64Array(n);
    const w = fitFeatureWeights(prior, [signal, empty], y, 0.7, 30);
    expect(w[1]).toBe(0.7);
  });
});
