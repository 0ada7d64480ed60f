// Scoring: one entity at a time with full reason codes (scoreEntity), or a whole population
// over columnar typed arrays without per-row allocation (scoreColumns). Both sum the terms in
// the same order — prior, features in model order, then the calibration intercept — so they
// agree to the last bit.
import { classIndex, decideClass, OVERRIDE_CODES, scoredClass } from "./classify.js";
import { boundLogit, hazardFor, priorLogitFor, stateOf, type CompiledModel } from "./compile.js";
import { computeLoss } from "./loss.js";
import { sigmoid } from "./math.js";
import { isSet, toLevel, toNumber } from "./values.js";
import type { Contribution, IndicatorRow, ScoreResult } from "./types.js";

export const BOUND_INDICATOR = "_bound";
/** The calibration intercept's term: the same for every entity of a model, not about the entity. */
export const CALIBRATION_INDICATOR = "_calibration";

function anySet(row: IndicatorRow, ids: readonly string[]): boolean {
  for (const id of ids) if (isSet(row[id])) return true;
  return false;
}

/**
 * The contributions (reason codes) of a score from its feature states alone: a state fixes its
 * term for a given model, so history can keep the states (a few bytes) and rebuild the words.
 * Returns the bounded logit too; scoreEntity uses this very function, so both agree exactly.
 */
export function contributionsOf(m: CompiledModel, logitPrior: number, states: ArrayLike<number>): { contributions: Contribution[]; logit: number } {
  const contributions: Contribution[] = [];
  let s = logitPrior;
  m.features.forEach((f, i) => {
    const state = states[i] as number;
    const c = f.logLR[state] as number;
    s += c;
    contributions.push({ indicator: f.id, state: f.stateLabels[state] ?? String(state), logLR: c });
  });
  if (m.calibrationShift !== null) {
    s += m.calibrationShift;
    contributions.push({ indicator: CALIBRATION_INDICATOR, state: "platt", logLR: m.calibrationShift });
  }
  const bounded = boundLogit(m, s);
  if (bounded !== s) contributions.push({ indicator: BOUND_INDICATOR, state: "clipped", logLR: bounded - s });
  return { contributions, logit: bounded };
}

/** Does a known state of this feature count towards the policy's minimum of known evidence? */
function evidenceCounter(m: CompiledModel): (id: string) => boolean {
  const list = m.artifact.classes.overrides.evidenceIndicators;
  if (list === undefined) return () => true;
  const set = new Set(list);
  return (id) => set.has(id);
}

/**
 * Does the model read two rows alike through the given indicators, i.e. does every feature of
 * the model among them fall in the same state? (A score depends on a row through its states
 * only; indicators the model has no feature for are not looked at.)
 */
export function sameStates(m: CompiledModel, before: IndicatorRow, after: IndicatorRow, indicators: ReadonlySet<string>): boolean {
  return m.features.every((f) => !indicators.has(f.id) || stateOf(f, before[f.id]) === stateOf(f, after[f.id]));
}

export function scoreEntity(m: CompiledModel, row: IndicatorRow): ScoreResult {
  const category = m.priorColumn === null ? null : toLevel(row[m.priorColumn]);
  const logitPrior = priorLogitFor(m, category);
  const states = m.features.map((f) => stateOf(f, row[f.id]));
  const history = m.artifact.classes.overrides.history;
  const counted = evidenceCounter(m);
  let known = 0;
  let knownEvidence = 0;
  m.features.forEach((f, i) => {
    const state = states[i] as number;
    if (state === f.missingState) return;
    if (counted(f.id)) known++;
    if (f.id !== history) knownEvidence += f.logLR[state] as number;
  });
  const { contributions, logit: bounded } = contributionsOf(m, logitPrior, states);
  const p = sigmoid(bounded);

  const lm = m.artifact.loss;
  const lossCategory = toLevel(row[lm.columns.category]);
  const loss = computeLoss(
    lm,
    hazardFor(m, lossCategory),
    toNumber(row[lm.columns.gmvCents]),
    toNumber(row[lm.columns.orders]),
    toNumber(row[lm.columns.platforms]),
    toNumber(row[lm.columns.regions]),
  );
  const expectedLoss = p * loss;
  const policy = m.artifact.classes;
  const decided = decideClass(policy, scoredClass(policy, p, expectedLoss), {
    seriousViolation: anySet(row, policy.overrides.seriousViolation),
    licenceRevoked: anySet(row, policy.overrides.licenceRevoked),
    historyDays: history === null ? NaN : toNumber(row[history]),
    knownIndicators: known,
    knownEvidence,
  });
  const result: ScoreResult = { p, logitPrior, contributions, states, loss, expectedLoss, class: decided.class, modelVersion: m.version };
  if (decided.override !== undefined) result.override = decided.override;
  return result;
}

/** A column is a Float64Array (numbers, NaN = missing) or an array of strings (null = missing). */
export type Column = Float64Array | readonly (string | null)[];

export interface ColumnarInput {
  n: number;
  columns: Readonly<Record<string, Column | undefined>>;
}

export interface BatchScores {
  p: Float64Array;
  logitPrior: Float64Array;
  loss: Float64Array;
  expectedLoss: Float64Array;
  /** 0..3 = A..D */
  classCode: Uint8Array;
  /** index into OVERRIDE_CODES: 0 none, 1 serious_violation, 2 licence_revoked, 3 insufficient_data */
  overrideCode: Uint8Array;
}

export function allocateBatchScores(n: number): BatchScores {
  return {
    p: new Float64Array(n),
    logitPrior: new Float64Array(n),
    loss: new Float64Array(n),
    expectedLoss: new Float64Array(n),
    classCode: new Uint8Array(n),
    overrideCode: new Uint8Array(n),
  };
}

function numAt(col: Column | undefined, i: number): number {
  if (col === undefined) return NaN;
  if (col instanceof Float64Array) return col[i] as number;
  return toNumber(col[i]);
}

function levelAt(col: Column | undefined, i: number): string | null {
  if (col === undefined) return null;
  if (col instanceof Float64Array) return toLevel(col[i]);
  return toLevel(col[i]);
}

/**
 * Scores n entities column-wise into `out` (reusable across calls). Per-row work is table
 * lookups and adds; the only allocation is a Float64Array/Uint16Array scratch of n per call.
 */
export function scoreColumns(m: CompiledModel, input: ColumnarInput, out: BatchScores = allocateBatchScores(input.n)): BatchScores {
  const n = input.n;
  const sum = out.logitPrior; // start from the prior, then reuse as scratch below
  const priorCol = m.priorColumn === null ? undefined : input.columns[m.priorColumn];
  for (let i = 0; i < n; i++) sum[i] = priorLogitFor(m, levelAt(priorCol, i));
  const acc = Float64Array.from(sum);
  const known = new Uint16Array(n);
  // The known evidence's log-odds (history indicator aside), for the thin-data override.
  const knownEvidence = new Float64Array(n);
  const history = m.artifact.classes.overrides.history;
  const counted = evidenceCounter(m);
  for (const f of m.features) {
    const col = input.columns[f.id];
    const table = f.logLR;
    const missing = f.missingState;
    const evidence = f.id !== history;
    const counts = counted(f.id) ? 1 : 0;
    if (col === undefined) {
      const c = table[missing] as number;
      for (let i = 0; i < n; i++) acc[i] = (acc[i] as number) + c;
    } else if (f.numeric && col instanceof Float64Array) {
      const edges = f.edges;
      const ne = edges.length;
      for (let i = 0; i < n; i++) {
        const x = col[i] as number;
        let st: number;
        if (x !== x) st = missing;
        else {
          let lo = 0;
          let hi = ne;
          while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if (x >= (edges[mid] as number)) lo = mid + 1;
            else hi = mid;
          }
          st = lo;
          known[i] = (known[i] as number) + counts;
          if (evidence) knownEvidence[i] = (knownEvidence[i] as number) + (table[st] as number);
        }
        acc[i] = (acc[i] as number) + (table[st] as number);
      }
    } else {
      for (let i = 0; i < n; i++) {
        const st = stateOf(f, col instanceof Float64Array ? col[i] : col[i]);
        if (st !== missing) {
          known[i] = (known[i] as number) + counts;
          if (evidence) knownEvidence[i] = (knownEvidence[i] as number) + (table[st] as number);
        }
        acc[i] = (acc[i] as number) + (table[st] as number);
      }
    }
  }
  // the calibration intercept comes after the features, as in contributionsOf (same bits)
  const shift = m.calibrationShift;
  if (shift !== null) for (let i = 0; i < n; i++) acc[i] = (acc[i] as number) + shift;
  const lm = m.artifact.loss;
  const catCol = input.columns[lm.columns.category];
  const gmv = input.columns[lm.columns.gmvCents];
  const orders = input.columns[lm.columns.orders];
  const platforms = input.columns[lm.columns.platforms];
  const regions = input.columns[lm.columns.regions];
  const policy = m.artifact.classes;
  const ov = policy.overrides;
  const seriousCols = ov.seriousViolation.map((id) => input.columns[id]);
  const revokedCols = ov.licenceRevoked.map((id) => input.columns[id]);
  const historyCol = history === null ? undefined : input.columns[history];
  const anyPositive = (cols: (Column | undefined)[], i: number): boolean => {
    for (const c of cols) {
      if (c === undefined) continue;
      if (c instanceof Float64Array ? (c[i] as number) > 0 : isSet(c[i])) return true;
    }
    return false;
  };
  for (let i = 0; i < n; i++) {
    const p = sigmoid(boundLogit(m, acc[i] as number));
    const loss = computeLoss(lm, hazardFor(m, levelAt(catCol, i)), numAt(gmv, i), numAt(orders, i), numAt(platforms, i), numAt(regions, i));
    const el = p * loss;
    out.p[i] = p;
    out.loss[i] = loss;
    out.expectedLoss[i] = el;
    const decided = decideClass(policy, scoredClass(policy, p, el), {
      seriousViolation: anyPositive(seriousCols, i),
      licenceRevoked: anyPositive(revokedCols, i),
      historyDays: numAt(historyCol, i),
      knownIndicators: known[i] as number,
      knownEvidence: knownEvidence[i] as number,
    });
    out.classCode[i] = classIndex(decided.class);
    out.overrideCode[i] = OVERRIDE_CODES.indexOf(decided.override);
  }
  return out;
}
