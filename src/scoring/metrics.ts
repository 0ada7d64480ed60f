// Evaluation metrics for a probability forecast of a 0/1 label, plus the class view a
// regulator cares about: how many entities per class and how often each class violated.
import { CLASSES, type CreditClass } from "./types.js";
import { OVERRIDE_CODES } from "./classify.js";

export interface CalibrationBin {
  bin: number;
  n: number;
  meanPredicted: number;
  observedRate: number;
}

export interface Metrics {
  n: number;
  positives: number;
  baseRate: number;
  auc: number;
  ks: number;
  brier: number;
  /** Brier score of always predicting this set's own base rate: the bar to beat */
  brierBaseRate: number;
  logLoss: number;
  calibration: CalibrationBin[];
  classDistribution?: Record<CreditClass, number>;
  violationRateByClass?: Record<CreditClass, number | null>;
  overrides?: Record<string, number>;
}

/** Indices sorted by p ascending; ties keep index order so results are deterministic. */
function order(p: Float64Array): Uint32Array {
  const idx = new Uint32Array(p.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((a, b) => (p[a] as number) - (p[b] as number) || a - b);
}

/** Mann–Whitney AUC with average ranks for ties. */
export function auc(p: Float64Array, y: Uint8Array, sorted = order(p)): number {
  let nPos = 0;
  let rankSumPos = 0;
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && p[sorted[j + 1] as number] === p[sorted[i] as number]) j++;
    const avgRank = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) if (y[sorted[k] as number] === 1) (nPos++, (rankSumPos += avgRank));
    i = j + 1;
  }
  const nNeg = sorted.length - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** Kolmogorov–Smirnov: max gap between the score distributions of positives and negatives. */
export function ks(p: Float64Array, y: Uint8Array, sorted = order(p)): number {
  let nPos = 0;
  for (let i = 0; i < y.length; i++) nPos += y[i] as number;
  const nNeg = y.length - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  let cp = 0;
  let cn = 0;
  let best = 0;
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && p[sorted[j + 1] as number] === p[sorted[i] as number]) j++;
    for (let k = i; k <= j; k++) {
      if (y[sorted[k] as number] === 1) cp++;
      else cn++;
    }
    best = Math.max(best, Math.abs(cp / nPos - cn / nNeg));
    i = j + 1;
  }
  return best;
}

export function computeMetrics(p: Float64Array, y: Uint8Array, classCode?: Uint8Array, overrideCode?: Uint8Array, bins = 10): Metrics {
  const n = p.length;
  let positives = 0;
  let brier = 0;
  let logLoss = 0;
  for (let i = 0; i < n; i++) {
    const yi = y[i] as number;
    const pi = p[i] as number;
    positives += yi;
    brier += (pi - yi) ** 2;
    const q = Math.min(1 - 1e-15, Math.max(1e-15, pi));
    logLoss -= yi * Math.log(q) + (1 - yi) * Math.log(1 - q);
  }
  const baseRate = n > 0 ? positives / n : NaN;
  const sorted = order(p);
  const calibration: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    const from = Math.floor((b * n) / bins);
    const to = Math.floor(((b + 1) * n) / bins);
    let sp = 0;
    let sy = 0;
    for (let k = from; k < to; k++) (sp += p[sorted[k] as number] as number, sy += y[sorted[k] as number] as number);
    const m = to - from;
    if (m > 0) calibration.push({ bin: b + 1, n: m, meanPredicted: sp / m, observedRate: sy / m });
  }
  const metrics: Metrics = {
    n,
    positives,
    baseRate,
    auc: auc(p, y, sorted),
    ks: ks(p, y, sorted),
    brier: brier / n,
    brierBaseRate: baseRate * (1 - baseRate),
    logLoss: logLoss / n,
    calibration,
  };
  if (classCode) {
    const count = [0, 0, 0, 0];
    const pos = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      const c = classCode[i] as number;
      count[c] = (count[c] as number) + 1;
      pos[c] = (pos[c] as number) + (y[i] as number);
    }
    metrics.classDistribution = Object.fromEntries(CLASSES.map((c, k) => [c, count[k] ?? 0])) as Record<CreditClass, number>;
    metrics.violationRateByClass = Object.fromEntries(
      CLASSES.map((c, k) => [c, (count[k] ?? 0) > 0 ? (pos[k] ?? 0) / (count[k] ?? 1) : null]),
    ) as Record<CreditClass, number | null>;
  }
  if (overrideCode) {
    const o: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const name = OVERRIDE_CODES[overrideCode[i] as number];
      if (name !== undefined) o[name] = (o[name] ?? 0) + 1;
    }
    metrics.overrides = o;
  }
  return metrics;
}

/** True when the violation rate rises strictly from A to D over the classes that have members. */
export function violationRateRisesStrictly(m: Metrics): boolean {
  const rates = CLASSES.map((c) => m.violationRateByClass?.[c]).filter((r): r is number => typeof r === "number");
  for (let k = 1; k < rates.length; k++) if (!((rates[k] as number) > (rates[k - 1] as number))) return false;
  return rates.length === 4;
}
