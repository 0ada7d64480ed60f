// Discretisation of numeric indicators into bins, learned in training and stored in the artifact.
// Candidate cut points sit at quantiles of the distinct values (so heavy ties such as "0
// complaints" stay one bin); "mdl" then keeps only the cuts that pay for themselves under the
// Fayyad–Irani minimum-description-length criterion (supervised), "quantile" keeps them all.

export interface DiscretiseOptions {
  method: "mdl" | "quantile";
  maxBins: number;
  maxCandidates: number;
  /** smallest number of known values a bin may hold */
  minBinCount: number;
}

interface Block {
  lo: number; // smallest value
  hi: number; // largest value
  pos: number;
  neg: number;
}

function sortedKnown(values: Float64Array, labels: Uint8Array, want: 0 | 1): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (labels[i] === want && values[i] === values[i]) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < values.length; i++) if (labels[i] === want && values[i] === values[i]) out[k++] = values[i] as number;
  return out.sort();
}

/** Distinct values in order with positive/negative counts. */
function distinctRuns(values: Float64Array, labels: Uint8Array): Block[] {
  const pos = sortedKnown(values, labels, 1);
  const neg = sortedKnown(values, labels, 0);
  const runs: Block[] = [];
  let i = 0;
  let j = 0;
  while (i < pos.length || j < neg.length) {
    const v = Math.min(i < pos.length ? (pos[i] as number) : Infinity, j < neg.length ? (neg[j] as number) : Infinity);
    const run: Block = { lo: v, hi: v, pos: 0, neg: 0 };
    while (i < pos.length && pos[i] === v) (run.pos++, i++);
    while (j < neg.length && neg[j] === v) (run.neg++, j++);
    runs.push(run);
  }
  return runs;
}

/** Merge runs into at most maxCandidates+1 blocks at (approximately) equal-frequency boundaries. */
function candidateBlocks(runs: Block[], maxCandidates: number): Block[] {
  const total = runs.reduce((s, r) => s + r.pos + r.neg, 0);
  const blocks: Block[] = [];
  let cum = 0;
  let nextTarget = 1;
  let current: Block | null = null;
  for (const r of runs) {
    if (current === null) current = { ...r };
    else {
      current.hi = r.hi;
      current.pos += r.pos;
      current.neg += r.neg;
    }
    cum += r.pos + r.neg;
    if (cum >= (nextTarget * total) / (maxCandidates + 1)) {
      blocks.push(current);
      current = null;
      while (nextTarget <= maxCandidates && cum >= (nextTarget * total) / (maxCandidates + 1)) nextTarget++;
    }
  }
  if (current !== null) blocks.push(current);
  return blocks;
}

function entropy(pos: number, neg: number): number {
  const n = pos + neg;
  if (n === 0 || pos === 0 || neg === 0) return 0;
  const a = pos / n;
  const b = neg / n;
  return -(a * Math.log2(a) + b * Math.log2(b));
}

/** Recursive MDL splitting over blocks[from, to); returns indices b meaning "cut after block b". */
function mdlCuts(blocks: Block[], from: number, to: number, depth: number, minBin: number, cuts: number[]): void {
  if (depth <= 0 || to - from < 2) return;
  let pos = 0;
  let neg = 0;
  for (let b = from; b < to; b++) (pos += blocks[b]!.pos, neg += blocks[b]!.neg);
  const n = pos + neg;
  const ent = entropy(pos, neg);
  let best = -1;
  let bestEnt = Infinity;
  let lp = 0;
  let ln = 0;
  for (let b = from; b < to - 1; b++) {
    lp += blocks[b]!.pos;
    ln += blocks[b]!.neg;
    const left = lp + ln;
    const right = n - left;
    if (left < minBin || right < minBin) continue;
    const e = (left / n) * entropy(lp, ln) + (right / n) * entropy(pos - lp, neg - ln);
    if (e < bestEnt) (bestEnt = e, best = b);
  }
  if (best < 0) return;
  let l1 = 0;
  let l0 = 0;
  for (let b = from; b <= best; b++) (l1 += blocks[b]!.pos, l0 += blocks[b]!.neg);
  const k = (pos > 0 ? 1 : 0) + (neg > 0 ? 1 : 0);
  const k1 = (l1 > 0 ? 1 : 0) + (l0 > 0 ? 1 : 0);
  const k2 = (pos - l1 > 0 ? 1 : 0) + (neg - l0 > 0 ? 1 : 0);
  const gain = ent - bestEnt;
  const delta = Math.log2(3 ** k - 2) - (k * ent - k1 * entropy(l1, l0) - k2 * entropy(pos - l1, neg - l0));
  if (gain <= (Math.log2(n - 1) + delta) / n) return;
  cuts.push(best);
  mdlCuts(blocks, from, best + 1, depth - 1, minBin, cuts);
  mdlCuts(blocks, best + 1, to, depth - 1, minBin, cuts);
}

/** Learns ascending bin edges for one numeric column (NaN = missing, ignored here). */
export function learnEdges(values: Float64Array, labels: Uint8Array, opts: DiscretiseOptions): number[] {
  const runs = distinctRuns(values, labels);
  if (runs.length < 2) return [];
  const blocks = candidateBlocks(runs, opts.method === "quantile" ? opts.maxBins - 1 : opts.maxCandidates);
  let cutAfter: number[];
  if (opts.method === "quantile") cutAfter = blocks.slice(0, -1).map((_, b) => b);
  else {
    cutAfter = [];
    mdlCuts(blocks, 0, blocks.length, Math.floor(Math.log2(opts.maxBins)), opts.minBinCount, cutAfter);
  }
  return cutAfter
    .sort((a, b) => a - b)
    .map((b) => (blocks[b]!.hi + blocks[b + 1]!.lo) / 2);
}
