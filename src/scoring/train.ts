// Training a weighted naive-Bayes model from a labelled table.
// Steps 1–4 (weighted-naive-bayes.ts): prior per category, bins and levels per feature, smoothed
// log-LR tables, one evidence weight. 5. (out-of-fold.ts) on out-of-fold predictions, the binning
// of numeric indicators and a Platt calibration of the posterior — classes are decided on
// p × loss, so p must be right, not only its ranking. 6. Class cut-offs at expected-loss quantiles
// of the training population (target shares configurable) — or given explicitly.
import { deriveModelVersion } from "./artifact.js";
import { compileModel } from "./compile.js";
import type { DiscretiseOptions } from "./discretise.js";
import { round } from "./math.js";
import { computeMetrics, type Metrics } from "./metrics.js";
import { chooseOnHeldOutFolds, type HeldOutChoice } from "./out-of-fold.js";
import { allocateBatchScores, scoreColumns } from "./score.js";
import { asColumnarInput, type DataTable } from "./table.js";
import type { PlattCalibration } from "./calibration.js";
import { DEFAULT_LOSS_MODEL } from "./loss.js";
import { ARTIFACT_FORMAT, ARTIFACT_SCHEMA_VERSION, type ClassPolicy, type FeatureModel, type LossModel, type ModelArtifact } from "./types.js";
import { fitWeightedNaiveBayes, type WeightedNaiveBayes } from "./weighted-naive-bayes.js";

export { chooseFeatures, fitEvidenceWeight } from "./weighted-naive-bayes.js";

export interface FeatureSpec {
  id: string;
  type: "numeric" | "categorical";
}

export interface TrainOptions {
  features?: FeatureSpec[];
  exclude?: readonly string[];
  /** column holding the category for the prior; default "category" when present, else none */
  categoryColumn?: string | null;
  priorStrength?: number;
  pseudoCount?: number;
  /** binning of numeric indicators; without a method, training chooses MDL or quantile bins on held-out folds */
  discretisation?: Partial<DiscretiseOptions>;
  minLevelCount?: number;
  /** target class shares on the training population, used when cutoffs are not given */
  classShares?: { A: number; B: number; C: number; D: number };
  cutoffs?: [number, number, number];
  loss?: LossModel;
  overrides?: Partial<ClassPolicy["overrides"]>;
  logitBound?: number;
  /** folds for the out-of-fold evidence weights */
  weightFolds?: number;
  /** "per-indicator" (default): one evidence weight per indicator, pulled toward the shared one; "shared": one for all */
  evidenceWeights?: "per-indicator" | "shared";
  /** strength of that pull (default DEFAULT_EVIDENCE_WEIGHT_RIDGE) */
  evidenceWeightRidge?: number;
  /** "platt" (default): calibrate the posterior on out-of-fold predictions; "none": leave it as naive Bayes gives it */
  calibration?: "platt" | "none";
  /** folds for the out-of-fold choices (binning, calibration) */
  calibrationFolds?: number;
  seed?: number | string;
  trainedAt?: string;
  description?: string;
  metadata?: Record<string, unknown>;
}

export const DEFAULT_CLASS_SHARES = { A: 0.5, B: 0.3, C: 0.15, D: 0.05 };

export function trainModel(table: DataTable, labels: Uint8Array, opts: TrainOptions = {}): ModelArtifact {
  const n = table.n;
  const draft = (m: WeightedNaiveBayes, cutoffs: [number, number, number], calibration?: PlattCalibration): ModelArtifact => ({
    ...skeleton(m.prior, m.features, m.evidenceWeight, opts, cutoffs, m.features.length),
    ...(calibration ? { calibration } : {}),
  });
  const fixedBinning = opts.discretisation?.method;
  // nothing to choose or fit on held-out folds: skip their cost
  const heldOut: HeldOutChoice =
    opts.calibration === "none" && fixedBinning !== undefined
      ? { binning: fixedBinning, report: { method: "none" } }
      : chooseOnHeldOutFolds(table, labels, opts, (m) => draft(m, [0, 0, 0]));
  const fit = fitWeightedNaiveBayes(table, labels, { ...opts, discretisation: { ...opts.discretisation, method: heldOut.binning } });

  // step 6: cut-offs on the calibrated expected loss, since that is what classes are decided on
  let cutoffs = opts.cutoffs;
  if (!cutoffs) {
    const scores = scoreColumns(compileModel(draft(fit, [0, 0, 0], heldOut.calibration)), asColumnarInput(table), allocateBatchScores(n));
    const el = Float64Array.from(scores.expectedLoss).sort();
    const s = opts.classShares ?? DEFAULT_CLASS_SHARES;
    const total = s.A + s.B + s.C + s.D;
    const q = (share: number) => round(el[Math.min(n - 1, Math.floor((share / total) * n))] as number, 12);
    cutoffs = [q(s.A), q(s.A + s.B), q(s.A + s.B + s.C)];
  }
  const artifact = draft(fit, cutoffs, heldOut.calibration);
  artifact.training = {
    ...artifact.training,
    ...fit.training,
    calibration: heldOut.report,
    seed: opts.seed ?? 1,
    ...opts.metadata,
  };
  artifact.version = deriveModelVersion(artifact);
  artifact.metrics = { training: evaluateModel(artifact, table, labels) };
  return artifact;
}

function skeleton(
  prior: ModelArtifact["prior"],
  features: FeatureModel[],
  evidenceWeight: number,
  opts: TrainOptions,
  cutoffs: [number, number, number],
  nFeatures: number,
): ModelArtifact {
  return {
    format: ARTIFACT_FORMAT,
    schemaVersion: ARTIFACT_SCHEMA_VERSION,
    version: "draft",
    kind: "naive_bayes",
    description: opts.description ?? "weighted naive Bayes trained on labelled rows",
    prior,
    evidenceWeight,
    logitBound: opts.logitBound ?? 12,
    features,
    loss: opts.loss ?? DEFAULT_LOSS_MODEL,
    classes: {
      cutoffs,
      overrides: {
        seriousViolation: ["serious_violations_365d"],
        licenceRevoked: ["licence_revoked"],
        history: "entity_age_days",
        minHistoryDays: 90,
        minKnownIndicators: Math.min(3, Math.ceil(nFeatures / 3)),
        ...opts.overrides,
      },
    },
    training: { trainedAt: opts.trainedAt ?? null, method: "weighted naive Bayes, Beta category prior" },
    metrics: {},
  };
}

export function evaluateModel(model: ModelArtifact, table: DataTable, labels: Uint8Array): Metrics {
  const scores = scoreColumns(compileModel(model), asColumnarInput(table));
  return computeMetrics(scores.p, labels, scores.classCode, scores.overrideCode);
}
