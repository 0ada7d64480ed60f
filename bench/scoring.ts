// Scoring throughput and memory for Chengdu's 1.57M entities in one process.
// `npm run bench -- scoring [entities=1570000] [sample=20000]`
// A synthetic sample (sim) is trained on, then its indicator columns are tiled up to the
// target size, so the tables and branch patterns are realistic without simulating 1.57M
// histories. Baselines: a loop that only computes the logistic of a fixed sum per row, and a
// loop that only reads every feature column once.
import { cpus, totalmem } from "node:os";
import {
  asColumnarInput,
  allocateBatchScores,
  compileModel,
  rowAt,
  scoreColumns,
  scoreEntity,
  sigmoid,
  tableFromRows,
  trainModel,
  type Column,
  type ColumnarInput,
} from "../src/scoring/index.js";
import { populationTable } from "../src/sim/population.js";

const N = Number(process.argv[2] ?? 1_570_000);
const SAMPLE = Number(process.argv[3] ?? 20_000);
const mb = (b: number) => Math.round(b / 2 ** 20);
const mem = () => {
  const m = process.memoryUsage();
  return { rssMB: mb(m.rss), heapUsedMB: mb(m.heapUsed), arrayBuffersMB: mb(m.arrayBuffers) };
};
function time<T>(f: () => T): [T, number] {
  const t = process.hrtime.bigint();
  const r = f();
  return [r, Number(process.hrtime.bigint() - t) / 1e9];
}

const [rows, simSeconds] = time(() => populationTable({ entities: SAMPLE, seed: 1, cutDates: ["2024-01-01"] }));
const sample = tableFromRows(rows.map((r) => r.indicators));
const [model, trainSeconds] = time(() => trainModel(sample, Uint8Array.from(rows, (r) => r.label), { seed: 1 }));
const compiled = compileModel(model);

const columns: Record<string, Column> = {};
for (const [name, col] of sample.columns) {
  if (col instanceof Float64Array) {
    const out = new Float64Array(N);
    for (let i = 0; i < N; i++) out[i] = col[i % sample.n] as number;
    columns[name] = out;
  } else columns[name] = Array.from({ length: N }, (_, i) => col[i % sample.n] ?? null);
}
const input: ColumnarInput = { n: N, columns };
const memBefore = mem();

// baseline 1: logistic of a fixed sum
const [, logisticOnly] = time(() => {
  const out = new Float64Array(N);
  for (let i = 0; i < N; i++) out[i] = sigmoid(-2.5 + (i & 7) * 1e-3);
  return out;
});
// baseline 2: read every feature column once
const [, readOnly] = time(() => {
  let s = 0;
  for (const f of compiled.features) {
    const col = columns[f.id];
    if (col instanceof Float64Array) for (let i = 0; i < N; i++) s += (col[i] as number) === (col[i] as number) ? 1 : 0;
    else if (col) for (let i = 0; i < N; i++) s += col[i] === null ? 0 : 1;
  }
  return s;
});
const out = allocateBatchScores(N);
scoreColumns(compiled, { n: 1000, columns: Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, v.slice(0, 1000)])) }); // warm-up
const runs: number[] = [];
for (let r = 0; r < 3; r++) runs.push(time(() => scoreColumns(compiled, input, out))[1]);
const batchSeconds = Math.min(...runs);
const memAfterBatch = mem();

// per-entity scoring with full reason codes, over prebuilt row objects (the gateway's path)
const PER = Math.min(N, 200_000);
const objects = Array.from({ length: PER }, (_, i) => rowAt(sample, i % sample.n));
const [, perEntity] = time(() => {
  let s = 0;
  for (const o of objects) s += scoreEntity(compiled, o).p;
  return s;
});

const classes = [0, 0, 0, 0];
for (let i = 0; i < N; i++) classes[out.classCode[i] as number]!++;
const result = {
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  entities: N,
  features: compiled.features.length,
  sample: { entities: SAMPLE, rows: sample.n, simSeconds, trainSeconds },
  batch: { seconds: batchSeconds, runs, entitiesPerSecond: Math.round(N / batchSeconds) },
  perEntityWithReasons: { entities: PER, seconds: perEntity, entitiesPerSecond: Math.round(PER / perEntity), projectedSecondsFor: { [N]: (N * perEntity) / PER } },
  baselines: {
    logisticOnlySeconds: logisticOnly,
    readFeaturesOnlySeconds: readOnly,
    batchVsLogistic: batchSeconds / logisticOnly,
    batchVsReadFeatures: batchSeconds / readOnly,
  },
  memory: { afterInputs: memBefore, afterBatchScoring: memAfterBatch, end: mem() },
  classDistribution: { A: classes[0], B: classes[1], C: classes[2], D: classes[3] },
};
console.log(JSON.stringify(result, null, 2));
