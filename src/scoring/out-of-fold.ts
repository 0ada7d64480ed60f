// Step 5 of training: choices judged on rows the model has not seen. The training rows are dealt
// into folds; each row is scored by a weighted naive Bayes fitted — bins, tables, weight, all of
// it — without its fold. On those out-of-fold logits training chooses
//  - the binning of numeric indicators: MDL cuts (few, each justified by the labels; right for
//    large samples) or quantile bins (up to maxBins, noise shrunk by the m-estimate; better when
//    the sample is too small for MDL to keep the cuts that matter — on a thousand rows it drops
//    most numeric indicators), whichever predicts the held-out rows better after calibration;
//  - the Platt calibration of the chosen model's logit (calibration.ts).
// Nothing here sees rows outside the table it is given, so cross-validation stays honest.
import { fitPlatt, PLATT_SLOPE_RANGE, plattBrier, plattLogLoss, usableSlope, type PlattCalibration } from "./calibration.js";
import { compileModel } from "./compile.js";
import type { DiscretiseOptions } from "./discretise.js";
import { foldRows, kFoldAssignment } from "./folds.js";
import { logit, round } from "./math.js";
import { scoreColumns } from "./score.js";
import { asColumnarInput, selectRows, type DataTable } from "./table.js";
import type { TrainOptions } from "./train.js";
import type { ModelArtifact } from "./types.js";
import { fitWeightedNaiveBayes, type WeightedNaiveBayes } from "./weighted-naive-bayes.js";

/** Wraps a fitted model in an artifact that can be compiled and scored (training's own skeleton). */
export type DraftArtifact = (model: WeightedNaiveBayes) => ModelArtifact;

export type BinningMethod = DiscretiseOptions["method"];

export interface HeldOutChoice {
  /** the binning to train the final model with */
  binning: BinningMethod;
  calibration?: PlattCalibration;
  /** what was compared and why, for the artifact's training record */
  report: Record<string, unknown>;
}

const IDENTITY = { slope: 1, intercept: 0 };

/** Each row's logit from a model fitted without its fold; throws when a fold cannot be fitted. */
export function outOfFoldLogits(table: DataTable, labels: Uint8Array, opts: TrainOptions, draft: DraftArtifact, fold: Uint8Array, k: number): Float64Array {
  const z = new Float64Array(table.n);
  for (let f = 0; f < k; f++) {
    const { train, test } = foldRows(fold, f);
    const sub = fitWeightedNaiveBayes(selectRows(table, train), Uint8Array.from(train, (i) => labels[i] as number), opts);
    const scores = scoreColumns(compileModel(draft(sub)), asColumnarInput(selectRows(table, test)));
    test.forEach((i, r) => (z[i] = logit(scores.p[r] as number)));
  }
  return z;
}

interface Candidate {
  binning: BinningMethod;
  z: Float64Array;
  platt: PlattCalibration;
  /** out-of-fold log loss after calibration (uncalibrated when the slope is unusable) */
  logLoss: number;
}

/**
 * Binning (unless opts fix it) and calibration (unless opts.calibration is "none") from
 * out-of-fold predictions. Both binnings are judged on the same folds; a tie keeps MDL. Returns
 * no calibration, with the reason, when no candidate can be fitted on every fold or the chosen
 * slope is unusable.
 */
export function chooseOnHeldOutFolds(table: DataTable, labels: Uint8Array, opts: TrainOptions, draft: DraftArtifact): HeldOutChoice {
  const k = Math.max(2, opts.calibrationFolds ?? 5);
  const fold = kFoldAssignment(table.n, k, `${opts.seed ?? 1}:held-out`);
  const fixed = opts.discretisation?.method;
  const calibrate = opts.calibration !== "none";
  const methods: BinningMethod[] = fixed ? [fixed] : ["mdl", "quantile"];
  const candidates: Candidate[] = [];
  const failures: Record<string, string> = {};
  for (const binning of methods) {
    let z: Float64Array;
    try {
      z = outOfFoldLogits(table, labels, { ...opts, discretisation: { ...opts.discretisation, method: binning } }, draft, fold, k);
    } catch (e) {
      failures[binning] = (e as Error).message;
      continue;
    }
    const platt = calibrate ? fitPlatt(z, labels) : { method: "platt" as const, ...IDENTITY };
    candidates.push({ binning, z, platt, logLoss: plattLogLoss(z, labels, usableSlope(platt.slope) ? platt : IDENTITY) });
  }
  const best = candidates.reduce<Candidate | undefined>((b, c) => (b === undefined || c.logLoss < b.logLoss ? c : b), undefined);
  const report: Record<string, unknown> = {
    method: calibrate ? "platt" : "none",
    folds: k,
    binning: {
      chosen: best?.binning ?? fixed ?? "mdl",
      ...(fixed ? { fixedBy: "options" } : {}),
      outOfFoldLogLoss: Object.fromEntries(candidates.map((c) => [c.binning, round(c.logLoss, 6)])),
      ...(Object.keys(failures).length > 0 ? { failed: failures } : {}),
    },
  };
  if (best === undefined) return { binning: fixed ?? "mdl", report: { ...report, skipped: "no model could be fitted on every fold" } };
  if (!calibrate) return { binning: best.binning, report };
  report.outOfFold = {
    logLossBefore: round(plattLogLoss(best.z, labels, IDENTITY), 6),
    logLossAfter: round(plattLogLoss(best.z, labels, best.platt), 6),
    brierBefore: round(plattBrier(best.z, labels, IDENTITY), 6),
    brierAfter: round(plattBrier(best.z, labels, best.platt), 6),
  };
  if (!usableSlope(best.platt.slope)) {
    return { binning: best.binning, report: { ...report, skipped: `slope ${best.platt.slope} is outside [${PLATT_SLOPE_RANGE.join(", ")}]` } };
  }
  return { binning: best.binning, calibration: { method: "platt", slope: round(best.platt.slope, 12), intercept: round(best.platt.intercept, 12) }, report };
}
