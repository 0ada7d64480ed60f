// Shapes shared across the scoring core: the model artifact (JSON), inputs and the score output.
import type { PlattCalibration } from "./calibration.js";

export type CreditClass = "A" | "B" | "C" | "D";
export const CLASSES: readonly CreditClass[] = ["A", "B", "C", "D"];

export type Override = "serious_violation" | "licence_revoked" | "insufficient_data";

/** One entity's indicator values. Missing = null, undefined, NaN or "" (its own state, not zero). */
export type IndicatorValue = number | string | boolean | null | undefined;
export type IndicatorRow = Readonly<Record<string, IndicatorValue>>;

export interface Contribution {
  indicator: string;
  state: string;
  logLR: number;
}

/** What the gateway stores per classification. */
export interface ScoreResult {
  p: number;
  logitPrior: number;
  contributions: Contribution[];
  /** The state index of each of the model's features, in model order (contributionsOf rebuilds the contributions). */
  states?: number[];
  loss: number;
  expectedLoss: number;
  class: CreditClass;
  override?: Override;
  modelVersion: string;
}

// ---- the artifact ----

export const ARTIFACT_FORMAT = "credit-sandbox-model";
/**
 * Written by this build. 2 added the optional `calibration` and per-feature `weight`; artifacts of
 * schema 1 (neither) still load and score exactly as before.
 */
export const ARTIFACT_SCHEMA_VERSION = 2;
export const READABLE_SCHEMA_VERSIONS: readonly number[] = [1, 2];

/** Bins: state i (0..edges.length) holds values with edges[i-1] <= v < edges[i]; the last state is "missing". */
export interface NumericFeature {
  id: string;
  type: "numeric";
  /** this indicator's evidence weight (schema 2); absent = the model's evidenceWeight */
  weight?: number;
  edges: number[];
  /** length edges.length + 2: one per bin, then missing */
  logLR: number[];
}

/** States: each level, then "other" (rare or unseen), then "missing". */
export interface CategoricalFeature {
  id: string;
  type: "categorical";
  /** this indicator's evidence weight (schema 2); absent = the model's evidenceWeight */
  weight?: number;
  levels: string[];
  /** length levels.length + 2 */
  logLR: number[];
}

export type FeatureModel = NumericFeature | CategoricalFeature;

export interface PriorModel {
  /** column holding the category; absent -> every row gets the global rate */
  column: string | null;
  globalRate: number;
  /** Beta prior strength m: rate_c = (positives_c + m * globalRate) / (n_c + m) */
  strength: number;
  categories: Record<string, { n: number; positives: number; rate: number }>;
}

export interface LossModel {
  /** index 0..100; see loss.ts */
  hazard: Record<string, number>;
  defaultHazard: number;
  columns: { category: string; gmvCents: string; orders: string; platforms: string; regions: string };
  gmvYuanAtMax: number;
  ordersAtMax: number;
  platformsAtMax: number;
  regionsAtMax: number;
  /** scale assumed when neither GMV nor orders are known, 0..1 */
  missingScale: number;
  weights: { base: number; scale: number; reach: number };
}

export interface ClassPolicy {
  /** expected-loss cut-offs [A|B, B|C, C|D], ascending: class A if EL < cutoffs[0] ... */
  cutoffs: [number, number, number];
  /**
   * [C, D]: a probability at or above the first puts the class at least at C, at or above the
   * second at D, whatever the loss. Absent or null: expected loss alone decides.
   */
  probabilityFloors?: [number, number] | null;
  overrides: {
    seriousViolation: string[];
    licenceRevoked: string[];
    /** indicator giving time in business in days; below minHistoryDays -> B */
    history: string | null;
    minHistoryDays: number;
    /** fewer known evidence indicators than this -> B */
    minKnownIndicators: number;
    /**
     * The indicators that count as evidence for minKnownIndicators: behaviour, not registration
     * (a shop whose only known facts are its registration has no record to judge by). Absent:
     * every feature of the model counts.
     */
    evidenceIndicators?: string[];
  };
}

export interface ModelArtifact {
  format: typeof ARTIFACT_FORMAT;
  schemaVersion: 1 | 2;
  version: string;
  kind: "naive_bayes";
  description: string;
  prior: PriorModel;
  /**
   * evidence weight w (weighted naive Bayes): contributions are w * log LR, multiplied in when the
   * model is compiled; a feature's own `weight` takes its place for that feature
   */
  evidenceWeight: number;
  /**
   * Platt scaling of the logit, fitted on out-of-fold predictions in training; absent = identity
   * (schema 1 artifacts, the expert default). Baked into the compiled prior and log-LR tables;
   * the intercept appears as a "_calibration" contribution.
   */
  calibration?: PlattCalibration;
  /** |logit(p)| is bounded by this (after calibration); any excess appears as a "_bound" contribution */
  logitBound: number;
  features: FeatureModel[];
  loss: LossModel;
  classes: ClassPolicy;
  training: Record<string, unknown>;
  metrics: Record<string, unknown>;
}
