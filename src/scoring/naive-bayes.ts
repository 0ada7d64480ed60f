// Naive-Bayes evidence tables: per feature and state, the smoothed log likelihood ratio
//   logLR(s) = log P(s | violation) - log P(s | no violation).
//
// Smoothing (an m-estimate): the violation rate in state s is shrunk toward the overall rate π
// with the weight of m pseudo-observations, r(s) = (n1(s) + m π) / (n(s) + m), and
//   logLR(s) = logit(r(s)) - logit(π)        (= log P(s|1)/P(s|0) under that estimate).
// So a state never seen in training gets logLR = 0 exactly (no evidence either way), a state
// seen only among negatives or only among positives stays finite, and a state needs about m
// observations before its own rate counts as much as the prior. (Add-one smoothing of
// P(s|y) instead gives rare states huge terms when classes are unbalanced: with 10% positives,
// a state seen 30 times without a violation came out near -4.5.)
import { binOf } from "./compile.js";
import { toLevel } from "./values.js";
import type { Column } from "./score.js";

export interface ClassCounts {
  pos: Float64Array;
  neg: Float64Array;
}

export function countStates(states: Int32Array, labels: Uint8Array, nStates: number, rows?: ArrayLike<number>): ClassCounts {
  const pos = new Float64Array(nStates);
  const neg = new Float64Array(nStates);
  const n = rows ? rows.length : states.length;
  for (let k = 0; k < n; k++) {
    const i = rows ? (rows[k] as number) : k;
    const s = states[i] as number;
    if (labels[i] === 1) pos[s] = (pos[s] as number) + 1;
    else neg[s] = (neg[s] as number) + 1;
  }
  return { pos, neg };
}

export function smoothedLogLR(c: ClassCounts, pseudoCount: number): Float64Array {
  const S = c.pos.length;
  let N1 = 0;
  let N = 0;
  for (let s = 0; s < S; s++) (N1 += c.pos[s] as number, N += (c.pos[s] as number) + (c.neg[s] as number));
  // add-½ keeps π strictly inside (0, 1) even for a single-class subset
  const pi = (N1 + 0.5) / (N + 1);
  const priorLogit = Math.log(pi) - Math.log1p(-pi);
  const out = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    const n1 = c.pos[s] as number;
    const n = n1 + (c.neg[s] as number);
    const r = (n1 + pseudoCount * pi) / (n + pseudoCount);
    out[s] = Math.log(r) - Math.log1p(-r) - priorLogit;
  }
  return out;
}

/** State per row of a numeric column under learned edges (missing = edges.length + 1). */
export function numericStates(col: Column, edges: readonly number[]): Int32Array {
  const e = Float64Array.from(edges);
  const out = new Int32Array(col.length);
  for (let i = 0; i < col.length; i++) {
    const raw = col[i];
    const x = typeof raw === "number" ? raw : raw === null || raw === undefined ? NaN : Number(raw);
    out[i] = x === x ? binOf(e, x) : edges.length + 1;
  }
  return out;
}

/**
 * Levels kept for a categorical column: those seen at least minCount times, sorted for a stable
 * artifact. The rest share the "other" state with levels never seen in training.
 */
export function learnLevels(col: Column, minCount: number): string[] {
  const counts = new Map<string, number>();
  for (let i = 0; i < col.length; i++) {
    const l = toLevel(col[i] as never);
    if (l !== null) counts.set(l, (counts.get(l) ?? 0) + 1);
  }
  return [...counts.entries()]
    .filter(([, c]) => c >= minCount)
    .map(([l]) => l)
    .sort();
}

export function categoricalStates(col: Column, levels: readonly string[]): Int32Array {
  const index = new Map(levels.map((l, i) => [l, i]));
  const out = new Int32Array(col.length);
  for (let i = 0; i < col.length; i++) {
    const l = toLevel(col[i] as never);
    out[i] = l === null ? levels.length + 1 : (index.get(l) ?? levels.length);
  }
  return out;
}
