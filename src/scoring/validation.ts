// Validation helpers: seeded k-fold cross-validation and the time split used for honest
// evaluation (features before the cut date, label observed in the horizon after it).
import { compileModel } from "./compile.js";
import { computeMetrics, type Metrics } from "./metrics.js";
import { createRng } from "./prng.js";
import { scoreColumns } from "./score.js";
import { asColumnarInput, selectRows, type DataTable } from "./table.js";
import { evaluateModel, trainModel, type TrainOptions } from "./train.js";

/** Fold id per row: a seeded permutation dealt round-robin, so folds differ in size by at most one. */
export function kFoldAssignment(n: number, k: number, seed: number | string): Uint8Array {
  if (k < 2 || k > 255) throw new Error(`folds must be between 2 and 255, got ${k}`);
  const rng = createRng(seed);
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = perm[i] as number;
    perm[i] = perm[j] as number;
    perm[j] = t;
  }
  const fold = new Uint8Array(n);
  for (let r = 0; r < n; r++) fold[perm[r] as number] = r % k;
  return fold;
}

export interface CrossValidationResult {
  folds: number;
  seed: number | string;
  perFold: Omit<Metrics, "calibration">[];
  mean: { auc: number; ks: number; brier: number; brierBaseRate: number; logLoss: number };
  /** metrics over all out-of-fold predictions pooled */
  pooled: Metrics;
}

export function crossValidate(table: DataTable, labels: Uint8Array, k: number, seed: number | string, opts: TrainOptions = {}): CrossValidationResult {
  const fold = kFoldAssignment(table.n, k, seed);
  const pooledP = new Float64Array(table.n);
  const perFold: Omit<Metrics, "calibration">[] = [];
  for (let f = 0; f < k; f++) {
    const trainIdx: number[] = [];
    const testIdx: number[] = [];
    for (let i = 0; i < table.n; i++) (fold[i] === f ? testIdx : trainIdx).push(i);
    const pick = (idx: number[]) => Uint8Array.from(idx, (i) => labels[i] as number);
    const model = trainModel(selectRows(table, trainIdx), pick(trainIdx), { seed, ...opts });
    const testTable = selectRows(table, testIdx);
    const m = evaluateModel(model, testTable, pick(testIdx));
    const { calibration: _omit, ...rest } = m;
    perFold.push(rest);
    // re-score to pool the out-of-fold probabilities
    const scores = scoreColumns(compileModel(model), asColumnarInput(testTable));
    testIdx.forEach((i, r) => (pooledP[i] = scores.p[r] as number));
  }
  const mean = (key: "auc" | "ks" | "brier" | "brierBaseRate" | "logLoss") =>
    perFold.reduce((s, m) => s + m[key], 0) / perFold.length;
  return {
    folds: k,
    seed,
    perFold,
    mean: { auc: mean("auc"), ks: mean("ks"), brier: mean("brier"), brierBaseRate: mean("brierBaseRate"), logLoss: mean("logLoss") },
    pooled: computeMetrics(pooledP, labels),
  };
}

const DAY_MS = 86_400_000;

/** The label window after a cut date: (cut, cut + horizon]. */
export function labelWindow(cut: string, horizonDays = 365): { from: string; to: string } {
  const t = Date.parse(cut);
  if (Number.isNaN(t)) throw new Error(`not a date: ${cut}`);
  return { from: new Date(t).toISOString(), to: new Date(t + horizonDays * DAY_MS).toISOString() };
}

/**
 * Splits rows by their as-of date: test = rows as of testFrom or later; train = rows whose whole
 * label horizon ended by testFrom (as_of + horizon <= testFrom), so no training label peeks
 * into the test period. Rows in between are dropped.
 */
export function timeSplit(asOf: readonly (string | null)[], testFrom: string, horizonDays = 365): { train: number[]; test: number[] } {
  const cut = Date.parse(testFrom);
  if (Number.isNaN(cut)) throw new Error(`not a date: ${testFrom}`);
  const train: number[] = [];
  const test: number[] = [];
  asOf.forEach((v, i) => {
    const t = v === null ? NaN : Date.parse(v);
    if (Number.isNaN(t)) throw new Error(`row ${i + 1}: as-of value ${JSON.stringify(v)} is not a date`);
    if (t >= cut) test.push(i);
    else if (t + horizonDays * DAY_MS <= cut) train.push(i);
  });
  return { train, test };
}
