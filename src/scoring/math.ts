// Numerically careful helpers shared by scoring, training and metrics.

/** log(p / (1 - p)) computed as log(p) - log1p(-p), accurate for small p. */
export function logit(p: number): number {
  return Math.log(p) - Math.log1p(-p);
}

/** Logistic function without overflow for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Round to a fixed number of significant decimals so artifacts and outputs stay short and stable. */
export function round(x: number, decimals = 12): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

/** FNV-1a 32-bit, twice with different offsets -> 16 hex chars. Used to derive model versions from content. */
export function contentHash(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x01000193) ^ (h2 >>> 13);
  }
  return (h1 >>> 0).toString(16).padStart(8, "0") + (h2 >>> 0).toString(16).padStart(8, "0");
}

/** Solves A z = b for symmetric positive definite A (d x d, row-major) by Cholesky; A is overwritten. */
export function solveSpd(a: Float64Array, b: Float64Array, d: number): Float64Array {
  for (let j = 0; j < d; j++) {
    let s = a[j * d + j] as number;
    for (let k = 0; k < j; k++) s -= (a[j * d + k] as number) ** 2;
    const l = Math.sqrt(Math.max(s, 1e-12));
    a[j * d + j] = l;
    for (let i = j + 1; i < d; i++) {
      let t = a[i * d + j] as number;
      for (let k = 0; k < j; k++) t -= (a[i * d + k] as number) * (a[j * d + k] as number);
      a[i * d + j] = t / l;
    }
  }
  const z = Float64Array.from(b);
  for (let i = 0; i < d; i++) {
    let t = z[i] as number;
    for (let k = 0; k < i; k++) t -= (a[i * d + k] as number) * (z[k] as number);
    z[i] = t / (a[i * d + i] as number);
  }
  for (let i = d - 1; i >= 0; i--) {
    let t = z[i] as number;
    for (let k = i + 1; k < d; k++) t -= (a[k * d + i] as number) * (z[k] as number);
    z[i] = t / (a[i * d + i] as number);
  }
  return z;
}
