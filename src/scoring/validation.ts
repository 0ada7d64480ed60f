// Validation helpers: seeded k-fold cross-validation and the time split used for honest
// evaluation (features before the cut date, label observed in the horizon after it).
import { compileModel } from "./compile.js";
import { computeMetrics, type Metrics } from "./metrics.js";
import { foldRows, kFoldAssignment } from "./folds.js";
import { scoreColumns } from "./score.js";
import { asColumnarInput, selectRows, type DataTable } from "./table.js";
import { fitLogisticRegression, predictLogisticRegression } from "./logistic-regression.js";
import { trainModel, type TrainOptions } from "./train.js";

export { kFoldAssignment };

type MeanMetrics = Pick<Metrics, "auc" | "ks" | "brier" | "brierBaseRate" | "logLoss">;

/** One predictor's cross-validated figures: the mean over folds and the pooled out-of-fold predictions. */
export interface FoldSummary {
  mean: MeanMetrics;
  /** metrics over all out-of-fold predictions pooled, with the reliability table (calibration) */
  pooled: Metrics;
}

export interface CrossValidationResult extends FoldSummary {
  folds: number;
  seed: number | string;
  perFold: Omit<Metrics, "calibration">[];
  /** the same fold models with their calibration removed: what the calibration changed */
  uncalibrated: FoldSummary;
  /** a plain logistic regression on the same columns and folds: the usual yardstick in credit scoring */
  logisticRegression: FoldSummary;
}

function summarise(perFold: readonly MeanMetrics[], pooledP: Float64Array, labels: Uint8Array): FoldSummary {
  const mean = (key: keyof MeanMetrics) => perFold.reduce((s, m) => s + m[key], 0) / perFold.length;
  return {
    mean: { auc: mean("auc"), ks: mean("ks"), brier: mean("brier"), brierBaseRate: mean("brierBaseRate"), logLoss: mean("logLoss") },
    pooled: computeMetrics(pooledP, labels),
  };
}

/**
 * k-fold cross-validation of the scoring core, with two yardsticks on the same folds. Each fold's
 * model is trained on the other folds only — its own held-out choices (binning, calibration) are
 * made inside that training — so the evaluation fold is never seen before it is scored.
 */
export function crossValidate(table: DataTable, labels: Uint8Array, k: number, seed: number | string, opts: TrainOptions = {}): CrossValidationResult {
  const fold = kFoldAssignment(table.n, k, seed);
  const pooled = { core: new Float64Array(table.n), uncalibrated: new Float64Array(table.n), lr: new Float64Array(table.n) };
  const perFold: Omit<Metrics, "calibration">[] = [];
  const perFoldUncalibrated: Metrics[] = [];
  const perFoldLr: Metrics[] = [];
  for (let f = 0; f < k; f++) {
    const { train: trainIdx, test: testIdx } = foldRows(fold, f);
    const pick = (idx: number[]) => Uint8Array.from(idx, (i) => labels[i] as number);
    const trainTable = selectRows(table, trainIdx);
    const testTable = selectRows(table, testIdx);
    const testLabels = pick(testIdx);
    const model = trainModel(trainTable, pick(trainIdx), { seed, ...opts });
    const scores = scoreColumns(compileModel(model), asColumnarInput(testTable));
    const { calibration: _omit, ...rest } = computeMetrics(scores.p, testLabels, scores.classCode, scores.overrideCode);
    perFold.push(rest);
    const { calibration: _removed, ...uncalibratedModel } = model;
    const uncalibratedP = scoreColumns(compileModel(uncalibratedModel), asColumnarInput(testTable)).p;
    perFoldUncalibrated.push(computeMetrics(uncalibratedP, testLabels));
    const columns = [...(model.prior.column === null ? [] : [model.prior.column]), ...model.features.map((x) => x.id)];
    const lrP = predictLogisticRegression(fitLogisticRegression(trainTable, pick(trainIdx), columns), testTable);
    perFoldLr.push(computeMetrics(lrP, testLabels));
    testIdx.forEach((i, r) => {
      pooled.core[i] = scores.p[r] as number;
      pooled.uncalibrated[i] = uncalibratedP[r] as number;
      pooled.lr[i] = lrP[r] as number;
    });
  }
  return {
    folds: k,
    seed,
    perFold,
    ...summarise(perFold, pooled.core, labels),
    uncalibrated: summarise(perFoldUncalibrated, pooled.uncalibrated, labels),
    logisticRegression: summarise(perFoldLr, pooled.lr, labels),
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
