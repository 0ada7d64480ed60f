// Fold assignment shared by cross-validation and by training's own out-of-fold steps.
import { createRng } from "./prng.js";

/** Fold id per row: a seeded permutation dealt round-robin, so folds differ in size by at most one. */
export function kFoldAssignment(n: number, k: number, seed: number | string): Uint8Array {
  if (k < 2 || k > 255) throw new Error(`folds must be between 2 and 255, got ${k}`);
  const rng = createRng(seed);
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = perm[i] as number;
    perm[i] = perm[j] as number;
    perm[j] = t;
  }
  const fold = new Uint8Array(n);
  for (let r = 0; r < n; r++) fold[perm[r] as number] = r % k;
  return fold;
}

/** Row indices in fold f and in every other fold. */
export function foldRows(fold: Uint8Array, f: number): { train: number[]; test: number[] } {
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < fold.length; i++) (fold[i] === f ? test : train).push(i);
  return { train, test };
}
