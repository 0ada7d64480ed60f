// A plain logistic regression, the yardstick the scoring core is compared against in
// cross-validation (credit scoring's usual baseline). Not used for scoring entities: it has no
// reason codes per indicator state, no category prior and no loss.
//
// Encoding: numeric columns standardised on the training rows (missing -> the mean, plus a
// missing flag when the training column has gaps); categorical columns one-hot per level seen in
// training at least as often as the core requires of its own levels (max(5, 0.1% of rows)), plus
// a missing flag; rarer and unseen levels are all zero. Fitted by Newton's method (IRLS) with
// an L2 penalty of 1 on the coefficients, not the intercept — the common default (scikit-learn's
// C = 1), which keeps levels seen only among one outcome finite.
import { sigmoid, solveSpd } from "./math.js";
import type { DataTable } from "./table.js";
import { toLevel } from "./values.js";

export interface LogisticColumn {
  id: string;
  kind: "numeric" | "categorical";
  /** numeric: mean and standard deviation of the known training values */
  mean?: number;
  sd?: number;
  /** categorical: one coefficient per level, in this order */
  levels?: string[];
  /** whether the column carries a missing-value flag */
  missingFlag: boolean;
}

export interface LogisticModel {
  columns: LogisticColumn[];
  intercept: number;
  /** per column: numeric [value, missing?], categorical [levels..., missing?] */
  coefficients: number[];
  l2: number;
}

function describeColumns(table: DataTable, ids: readonly string[]): LogisticColumn[] {
  const minLevelCount = Math.max(5, Math.round(0.001 * table.n));
  return ids.map((id) => {
    const col = table.columns.get(id);
    if (col === undefined) throw new Error(`feature column "${id}" is not in the data`);
    if (col instanceof Float64Array) {
      let n = 0;
      let s = 0;
      let ss = 0;
      for (const x of col) if (x === x) (n++, (s += x), (ss += x * x));
      const mean = n > 0 ? s / n : 0;
      const sd = n > 1 ? Math.sqrt(Math.max(0, ss / n - mean * mean)) : 0;
      return { id, kind: "numeric", mean, sd: sd > 0 ? sd : 1, missingFlag: n < col.length };
    }
    const counts = new Map<string, number>();
    let missing = false;
    for (const v of col) {
      const l = toLevel(v);
      if (l === null) missing = true;
      else counts.set(l, (counts.get(l) ?? 0) + 1);
    }
    const levels = [...counts].filter(([, c]) => c >= minLevelCount).map(([l]) => l);
    return { id, kind: "categorical", levels: levels.sort(), missingFlag: missing };
  });
}

function width(c: LogisticColumn): number {
  return (c.kind === "numeric" ? 1 : (c.levels?.length ?? 0)) + (c.missingFlag ? 1 : 0);
}

/** Row-major design matrix (without the intercept) for the given encoding. */
function design(table: DataTable, columns: readonly LogisticColumn[]): { x: Float64Array; d: number } {
  const d = columns.reduce((s, c) => s + width(c), 0);
  const n = table.n;
  const x = new Float64Array(n * d);
  let offset = 0;
  for (const c of columns) {
    const col = table.columns.get(c.id);
    if (c.kind === "numeric") {
      const mean = c.mean ?? 0;
      const sd = c.sd ?? 1;
      for (let i = 0; i < n; i++) {
        const raw = col === undefined ? NaN : col instanceof Float64Array ? (col[i] as number) : Number(col[i] ?? NaN);
        if (raw === raw) x[i * d + offset] = (raw - mean) / sd;
        else if (c.missingFlag) x[i * d + offset + 1] = 1;
      }
    } else {
      const index = new Map((c.levels ?? []).map((l, k) => [l, k]));
      const missingAt = offset + (c.levels?.length ?? 0);
      for (let i = 0; i < n; i++) {
        const l = col === undefined ? null : toLevel(col[i] ?? null);
        if (l === null) {
          if (c.missingFlag) x[i * d + missingAt] = 1;
          continue;
        }
        const k = index.get(l);
        if (k !== undefined) x[i * d + offset + k] = 1;
      }
    }
    offset += width(c);
  }
  return { x, d };
}

export function fitLogisticRegression(table: DataTable, labels: Uint8Array, featureIds: readonly string[], l2 = 1): LogisticModel {
  const columns = describeColumns(table, featureIds);
  const { x, d } = design(table, columns);
  const n = table.n;
  // coefficient 0 is the intercept: each row is read as [1, x_i]
  const D = d + 1;
  const at = (i: number, j: number) => (j === 0 ? 1 : (x[i * d + j - 1] as number));
  const beta = new Float64Array(D);
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i] as number;
  beta[0] = Math.log((positives + 0.5) / (n - positives + 0.5));
  for (let it = 0; it < 100; it++) {
    const grad = new Float64Array(D);
    const hess = new Float64Array(D * D); // lower triangle only; solveSpd reads no more
    for (let i = 0; i < n; i++) {
      let eta = 0;
      for (let j = 0; j < D; j++) eta += at(i, j) * (beta[j] as number);
      const p = sigmoid(eta);
      const r = p - (labels[i] as number);
      const w = p * (1 - p);
      for (let j = 0; j < D; j++) {
        const xj = at(i, j);
        if (xj === 0) continue;
        grad[j] = (grad[j] as number) + r * xj;
        for (let k = 0; k <= j; k++) {
          const xk = at(i, k);
          if (xk !== 0) hess[j * D + k] = (hess[j * D + k] as number) + w * xj * xk;
        }
      }
    }
    for (let j = 1; j < D; j++) {
      grad[j] = (grad[j] as number) + l2 * (beta[j] as number);
      hess[j * D + j] = (hess[j * D + j] as number) + l2;
    }
    const step = solveSpd(hess, grad, D);
    let maxStep = 0;
    for (let j = 0; j < D; j++) {
      beta[j] = (beta[j] as number) - (step[j] as number);
      maxStep = Math.max(maxStep, Math.abs(step[j] as number));
    }
    if (maxStep < 1e-9) break;
  }
  return { columns, intercept: beta[0] as number, coefficients: Array.from(beta.subarray(1)), l2 };
}

export function predictLogisticRegression(model: LogisticModel, table: DataTable): Float64Array {
  const { x, d } = design(table, model.columns);
  const p = new Float64Array(table.n);
  for (let i = 0; i < table.n; i++) {
    let e = model.intercept;
    for (let j = 0; j < d; j++) e += (x[i * d + j] as number) * (model.coefficients[j] as number);
    p[i] = sigmoid(e);
  }
  return p;
}
