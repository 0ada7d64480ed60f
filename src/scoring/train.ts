// Training a weighted naive-Bayes model from a labelled table.
// 1. prior per category (prior.ts); 2. bins (discretise.ts) and levels per feature;
// 3. smoothed log-LR tables (naive-bayes.ts); 4. one evidence weight w, fitted on out-of-fold
// evidence sums, which shrinks the double counting naive Bayes does with correlated indicators
// (w < 1) without breaking the additive reason codes; 5. class cut-offs at expected-loss
// quantiles of the training population (target shares configurable) — or given explicitly.
import { compileModel } from "./compile.js";
import { deriveModelVersion } from "./artifact.js";
import { learnEdges, type DiscretiseOptions } from "./discretise.js";
import { EVIDENCE_INDICATOR_IDS, indicatorById } from "./indicators.js";
import { DEFAULT_LOSS_MODEL } from "./loss.js";
import { computeMetrics, type Metrics } from "./metrics.js";
import { categoricalStates, countStates, learnLevels, numericStates, smoothedLogLR } from "./naive-bayes.js";
import { fitPrior } from "./prior.js";
import { createRng } from "./prng.js";
import { round, sigmoid } from "./math.js";
import { allocateBatchScores, scoreColumns } from "./score.js";
import { asColumnarInput, type DataTable } from "./table.js";
import {
  ARTIFACT_FORMAT,
  ARTIFACT_SCHEMA_VERSION,
  type ClassPolicy,
  type FeatureModel,
  type LossModel,
  type ModelArtifact,
} from "./types.js";

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
  discretisation?: Partial<DiscretiseOptions>;
  minLevelCount?: number;
  /** target class shares on the training population, used when cutoffs are not given */
  classShares?: { A: number; B: number; C: number; D: number };
  cutoffs?: [number, number, number];
  loss?: LossModel;
  overrides?: Partial<ClassPolicy["overrides"]>;
  logitBound?: number;
  /** folds for the out-of-fold evidence weight */
  weightFolds?: number;
  seed?: number | string;
  trainedAt?: string;
  description?: string;
  metadata?: Record<string, unknown>;
}

export const DEFAULT_CLASS_SHARES = { A: 0.5, B: 0.3, C: 0.15, D: 0.05 };

/** Which columns become evidence: given list; else the catalogue's evidence indicators if all present; else every usable column. */
export function chooseFeatures(table: DataTable, opts: TrainOptions, categoryColumn: string | null): { features: FeatureSpec[]; skipped: string[] } {
  if (opts.features) return { features: opts.features, skipped: [] };
  const exclude = new Set(opts.exclude ?? []);
  if (categoryColumn !== null) exclude.add(categoryColumn);
  if (EVIDENCE_INDICATOR_IDS.every((id) => table.columns.has(id))) {
    const features = EVIDENCE_INDICATOR_IDS.filter((id) => !exclude.has(id)).map((id): FeatureSpec => {
      const def = indicatorById(id);
      return { id, type: def?.kind === "categorical" ? "categorical" : "numeric" };
    });
    return { features, skipped: [...table.columns.keys()].filter((c) => !features.some((f) => f.id === c)) };
  }
  const features: FeatureSpec[] = [];
  const skipped: string[] = [];
  for (const [name, col] of table.columns) {
    if (exclude.has(name)) continue;
    if (col instanceof Float64Array) features.push({ id: name, type: "numeric" });
    else {
      // identifier-like columns (mostly distinct strings) carry no generalisable evidence
      const distinct = new Set(col).size;
      if (table.n > 20 && distinct > 0.5 * table.n) skipped.push(name);
      else features.push({ id: name, type: "categorical" });
    }
  }
  return { features, skipped };
}

/** Newton's method for w minimising log loss of sigmoid(prior + w * evidence); convex in w. */
export function fitEvidenceWeight(prior: Float64Array, evidence: Float64Array, y: Uint8Array): number {
  let w = 1;
  for (let it = 0; it < 50; it++) {
    let g = 0;
    let h = 1e-9;
    for (let i = 0; i < y.length; i++) {
      const e = evidence[i] as number;
      const p = sigmoid((prior[i] as number) + w * e);
      g += (p - (y[i] as number)) * e;
      h += p * (1 - p) * e * e;
    }
    const step = g / h;
    w = Math.min(2, Math.max(0.05, w - step));
    if (Math.abs(step) < 1e-10) break;
  }
  return w;
}

export function trainModel(table: DataTable, labels: Uint8Array, opts: TrainOptions = {}): ModelArtifact {
  const n = table.n;
  if (labels.length !== n) throw new Error(`labels (${labels.length}) and rows (${n}) differ in number`);
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i] as number;
  if (positives === 0 || positives === n) throw new Error(`training needs both outcomes; got ${positives} positives in ${n} rows`);

  const categoryColumn = opts.categoryColumn !== undefined ? opts.categoryColumn : table.columns.has("category") ? "category" : null;
  const prior = fitPrior(categoryColumn, categoryColumn === null ? undefined : table.columns.get(categoryColumn), labels, opts.priorStrength ?? 50);
  const { features: specs, skipped } = chooseFeatures(table, opts, categoryColumn);
  const disc: DiscretiseOptions = {
    method: "mdl",
    maxBins: 8,
    maxCandidates: 32,
    minBinCount: Math.max(10, Math.round(0.002 * n)),
    ...opts.discretisation,
  };
  const pseudoCount = opts.pseudoCount ?? 20;
  const minLevelCount = opts.minLevelCount ?? Math.max(5, Math.round(0.001 * n));

  // out-of-fold fold assignment for the evidence weight
  const K = Math.max(2, opts.weightFolds ?? 5);
  const rng = createRng(opts.seed ?? 1);
  const fold = new Uint8Array(n);
  for (let i = 0; i < n; i++) fold[i] = rng.int(K);
  const foldRows: number[][] = Array.from({ length: K }, () => []);
  for (let i = 0; i < n; i++) foldRows[fold[i] as number]!.push(i);

  const oofEvidence = new Float64Array(n);
  const features: FeatureModel[] = [];
  for (const spec of specs) {
    const col = table.columns.get(spec.id);
    if (col === undefined) throw new Error(`feature column "${spec.id}" is not in the data`);
    let states: Int32Array;
    let nStates: number;
    let model: FeatureModel;
    if (spec.type === "numeric") {
      const values = col instanceof Float64Array ? col : Float64Array.from(col, (v) => (v === null ? NaN : Number(v)));
      const edges = learnEdges(values, labels, disc);
      states = numericStates(values, edges);
      nStates = edges.length + 2;
      model = { id: spec.id, type: "numeric", edges, logLR: [] };
    } else {
      const levels = learnLevels(col, minLevelCount);
      states = categoricalStates(col, levels);
      nStates = levels.length + 2;
      model = { id: spec.id, type: "categorical", levels, logLR: [] };
    }
    const total = countStates(states, labels, nStates);
    model.logLR = Array.from(smoothedLogLR(total, pseudoCount), (x) => round(x, 12));
    features.push(model);
    for (let k = 0; k < K; k++) {
      const inFold = countStates(states, labels, nStates, foldRows[k]);
      const rest = {
        pos: total.pos.map((x, s) => x - (inFold.pos[s] as number)),
        neg: total.neg.map((x, s) => x - (inFold.neg[s] as number)),
      };
      const table_ = smoothedLogLR(rest, pseudoCount);
      for (const i of foldRows[k] as number[]) oofEvidence[i] = (oofEvidence[i] as number) + (table_[states[i] as number] as number);
    }
  }

  const priorLogits = new Float64Array(n);
  {
    const probe = compileModel(skeleton(prior, features, 1, opts, [0, 0, 0], specs.length));
    const catCol = categoryColumn === null ? undefined : table.columns.get(categoryColumn);
    const tmp = scoreColumns(probe, { n, columns: catCol ? { [categoryColumn as string]: catCol } : {} });
    priorLogits.set(tmp.logitPrior);
  }
  const evidenceWeight = round(fitEvidenceWeight(priorLogits, oofEvidence, labels), 12);

  let cutoffs = opts.cutoffs;
  if (!cutoffs) {
    const draft = compileModel(skeleton(prior, features, evidenceWeight, opts, [0, 0, 0], specs.length));
    const scores = scoreColumns(draft, asColumnarInput(table), allocateBatchScores(n));
    const el = Float64Array.from(scores.expectedLoss).sort();
    const s = opts.classShares ?? DEFAULT_CLASS_SHARES;
    const total = s.A + s.B + s.C + s.D;
    const q = (share: number) => round(el[Math.min(n - 1, Math.floor((share / total) * n))] as number, 12);
    cutoffs = [q(s.A), q(s.A + s.B), q(s.A + s.B + s.C)];
  }
  const artifact = skeleton(prior, features, evidenceWeight, opts, cutoffs, specs.length);
  artifact.training = {
    ...artifact.training,
    rows: n,
    positives,
    features: specs.length,
    skippedColumns: skipped,
    discretisation: disc,
    pseudoCount,
    minLevelCount,
    weightFolds: K,
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
