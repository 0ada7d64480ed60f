// Naive-Bayes evidence tables: per feature and state, the smoothed log likelihood ratio
//   logLR(s) = log P(s | violation) - log P(s | no violation).
//
// Smoothing: P(s | y) = (n_y(s) + m_y q(s)) / (N_y + m_y), with q the pooled state distribution
// (itself add-½ smoothed, so never 0) and pseudo-counts m_y proportional to the class sizes.
// The proportionality matters: a state never seen in training then gets logLR = 0 exactly
// (no evidence either way) instead of a large spurious term from unequal class sizes, and a
// state seen only among negatives or only among positives stays finite.
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
  let N0 = 0;
  for (let s = 0; s < S; s++) (N1 += c.pos[s] as number, N0 += c.neg[s] as number);
  const N = N1 + N0;
  const nMin = Math.max(1, Math.min(N1, N0));
  const m1 = (pseudoCount * Math.max(N1, 1)) / nMin;
  const m0 = (pseudoCount * Math.max(N0, 1)) / nMin;
  const out = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    const n1 = c.pos[s] as number;
    const n0 = c.neg[s] as number;
    const q = (n1 + n0 + 0.5) / (N + 0.5 * S);
    const p1 = (n1 + m1 * q) / (N1 + m1);
    const p0 = (n0 + m0 * q) / (N0 + m0);
    out[s] = Math.log(p1) - Math.log(p0);
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
