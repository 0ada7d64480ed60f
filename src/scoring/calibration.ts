// Calibration of the posterior: Platt scaling of the model's logit,
//   logit(p) = slope · (prior + Σ evidence) + intercept.
// Naive Bayes double counts correlated indicators, and the evidence weights only partly repair
// that; class cut-offs are on expected loss p × loss, so p itself must be right, not just its
// ranking. Platt scaling is monotone (AUC unchanged) and linear in the logit, so the
// reason codes stay additive: every term is multiplied by the slope and the intercept is one
// more term of its own (see score.ts).
//
// The two parameters are fitted on out-of-fold logits: each training row scored by a model
// trained without it. Fitting them on in-sample logits would calibrate the model to data it
// has already seen, which is exactly the optimism calibration is meant to remove.
import { sigmoid } from "./math.js";

export interface PlattCalibration {
  method: "platt";
  /** multiplies every term of the uncalibrated logit; > 0, so the ranking is kept */
  slope: number;
  /** added to the scaled logit; reported as its own contribution */
  intercept: number;
}

/**
 * Slopes a trained model may carry. Outside this range the out-of-fold logits carry no usable
 * ranking (slope near or below 0) or the fit is degenerate (separable data): training then
 * keeps the model uncalibrated and says why.
 */
export const PLATT_SLOPE_RANGE: readonly [number, number] = [0.05, 5];

export function usableSlope(slope: number): boolean {
  return slope >= PLATT_SLOPE_RANGE[0] && slope <= PLATT_SLOPE_RANGE[1];
}

/** Log loss of sigmoid(slope · z + intercept) against y, per row. */
export function plattLogLoss(z: ArrayLike<number>, y: ArrayLike<number>, c: Pick<PlattCalibration, "slope" | "intercept">): number {
  let loss = 0;
  for (let i = 0; i < z.length; i++) {
    const t = c.slope * (z[i] as number) + c.intercept;
    // log(1 + e^t) - y t, without overflow
    loss += (t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t))) - (y[i] as number) * t;
  }
  return loss / Math.max(1, z.length);
}

/** Brier score of sigmoid(slope · z + intercept) against y. */
export function plattBrier(z: ArrayLike<number>, y: ArrayLike<number>, c: Pick<PlattCalibration, "slope" | "intercept">): number {
  let s = 0;
  for (let i = 0; i < z.length; i++) s += (sigmoid(c.slope * (z[i] as number) + c.intercept) - (y[i] as number)) ** 2;
  return s / Math.max(1, z.length);
}

/**
 * Maximum-likelihood slope and intercept by Newton's method (the problem is convex), with
 * step halving so a poor start never diverges. Labels are 0/1.
 */
export function fitPlatt(z: ArrayLike<number>, y: ArrayLike<number>): PlattCalibration {
  let a = 1;
  let b = 0;
  let loss = plattLogLoss(z, y, { slope: a, intercept: b });
  for (let it = 0; it < 100; it++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-12;
    let hab = 0;
    let hbb = 1e-12;
    for (let i = 0; i < z.length; i++) {
      const zi = z[i] as number;
      const p = sigmoid(a * zi + b);
      const r = p - (y[i] as number);
      const w = p * (1 - p);
      ga += r * zi;
      gb += r;
      haa += w * zi * zi;
      hab += w * zi;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    let da = (hbb * ga - hab * gb) / det;
    let db = (haa * gb - hab * ga) / det;
    let next = plattLogLoss(z, y, { slope: a - da, intercept: b - db });
    for (let halvings = 0; next > loss && halvings < 30; halvings++) {
      da /= 2;
      db /= 2;
      next = plattLogLoss(z, y, { slope: a - da, intercept: b - db });
    }
    if (next > loss) break;
    a -= da;
    b -= db;
    const improvement = loss - next;
    loss = next;
    if (Math.abs(da) < 1e-12 && Math.abs(db) < 1e-12) break;
    if (improvement < 1e-15) break;
  }
  return { method: "platt", slope: a, intercept: b };
}
