// A model compiled for scoring: log-LR lookup tables in typed arrays, level maps, state labels
// and prior logits computed once, so scoring an entity is a handful of binary searches and adds.
import { logit, sigmoid } from "./math.js";
import { hazardOf } from "./loss.js";
import { toLevel, toNumber } from "./values.js";
import type { FeatureModel, ModelArtifact, PriorModel } from "./types.js";

export interface CompiledFeature {
  id: string;
  numeric: boolean;
  edges: Float64Array;
  levelIndex: Map<string, number>;
  /** already multiplied by the evidence weight (and the calibration slope, if any) */
  logLR: Float64Array;
  /** human-readable state names, same indexing as logLR */
  stateLabels: string[];
  missingState: number;
  /** categorical only: the "other" state for unseen levels */
  otherState: number;
}

export type CompiledPrior = Pick<CompiledModel, "globalLogit" | "priorLogitByCategory">;

export interface CompiledModel {
  artifact: ModelArtifact;
  version: string;
  features: CompiledFeature[];
  priorColumn: string | null;
  /** prior logits, already multiplied by the calibration slope (if any) */
  globalLogit: number;
  priorLogitByCategory: Map<string, number>;
  /** the calibration intercept, added after the evidence; null when the model is uncalibrated */
  calibrationShift: number | null;
  hazardByCategory: Map<string, number>;
  defaultHazard: number;
  logitBound: number;
}

/** Number of edges <= x: the bin of x (edges ascending). */
export function binOf(edges: Float64Array, x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x >= (edges[mid] as number)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function fmt(x: number): string {
  return String(Number(x.toPrecision(6)));
}

function numericLabels(edges: readonly number[]): string[] {
  const labels: string[] = [];
  const n = edges.length;
  if (n === 0) labels.push("any value");
  for (let i = 0; i < n + 1 && n > 0; i++) {
    if (i === 0) labels.push(`< ${fmt(edges[0] ?? 0)}`);
    else if (i === n) labels.push(`>= ${fmt(edges[n - 1] ?? 0)}`);
    else labels.push(`[${fmt(edges[i - 1] ?? 0)}, ${fmt(edges[i] ?? 0)})`);
  }
  labels.push("missing");
  return labels;
}

function compileFeature(f: FeatureModel, weight: number, slope: number | null): CompiledFeature {
  // uncalibrated models multiply by the weight alone, so their tables keep their exact bits
  const logLR = Float64Array.from(f.logLR, slope === null ? (x) => x * weight : (x) => x * weight * slope);
  if (f.type === "numeric") {
    return {
      id: f.id,
      numeric: true,
      edges: Float64Array.from(f.edges),
      levelIndex: new Map(),
      logLR,
      stateLabels: numericLabels(f.edges),
      missingState: f.edges.length + 1,
      otherState: -1,
    };
  }
  return {
    id: f.id,
    numeric: false,
    edges: new Float64Array(0),
    levelIndex: new Map(f.levels.map((l, i) => [l, i])),
    logLR,
    stateLabels: [...f.levels, "other", "missing"],
    missingState: f.levels.length + 1,
    otherState: f.levels.length,
  };
}

/**
 * Platt scaling is linear in the logit, so it is compiled into the terms themselves: every prior
 * logit and log-LR is multiplied by the slope and the intercept is added as one more term. The
 * score is then still a plain sum, and its terms are the reason codes.
 */
export function compileModel(artifact: ModelArtifact): CompiledModel {
  const slope = artifact.calibration ? artifact.calibration.slope : null;
  const hazardByCategory = new Map<string, number>(Object.entries(artifact.loss.hazard));
  return {
    artifact,
    version: artifact.version,
    features: artifact.features.map((f) => compileFeature(f, f.weight ?? artifact.evidenceWeight, slope)),
    priorColumn: artifact.prior.column,
    ...compilePrior(artifact.prior, slope),
    calibrationShift: artifact.calibration ? artifact.calibration.intercept : null,
    hazardByCategory,
    defaultHazard: artifact.loss.defaultHazard,
    logitBound: artifact.logitBound,
  };
}

/** Prior logits per category and overall (times the calibration slope, if any); training uses them too. */
export function compilePrior(prior: PriorModel, slope: number | null): CompiledPrior {
  const priorLogit = (rate: number) => (slope === null ? logit(rate) : logit(rate) * slope);
  const priorLogitByCategory = new Map<string, number>();
  for (const [cat, c] of Object.entries(prior.categories)) priorLogitByCategory.set(cat, priorLogit(c.rate));
  return { globalLogit: priorLogit(prior.globalRate), priorLogitByCategory };
}

export function priorLogitFor(m: CompiledPrior, category: string | null): number {
  if (category === null) return m.globalLogit;
  const l = m.priorLogitByCategory.get(category);
  return l === undefined ? m.globalLogit : l;
}

export function hazardFor(m: CompiledModel, category: string | null): number {
  return category === null ? m.defaultHazard : hazardOf(m.artifact.loss, category);
}

/** State index of a raw value for one feature. */
export function stateOf(f: CompiledFeature, v: unknown): number {
  if (f.numeric) {
    const x = toNumber(v as never);
    return x === x ? binOf(f.edges, x) : f.missingState;
  }
  const level = toLevel(v as never);
  if (level === null) return f.missingState;
  const i = f.levelIndex.get(level);
  return i === undefined ? f.otherState : i;
}

/** The summed logit clipped to ±logitBound (the excess is reported as a "_bound" contribution). */
export function boundLogit(m: CompiledModel, s: number): number {
  return s > m.logitBound ? m.logitBound : s < -m.logitBound ? -m.logitBound : s;
}

export { sigmoid };
