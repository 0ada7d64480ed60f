// Calibration of the scoring core on public credit data, and what it costs in training time.
// `npm run bench -- scoring-calibration [seeds=5] [sample=20000]`
// German Credit (src/scoring/fixtures/german-credit.csv): 10-fold cross-validation for CV seeds
// 1..seeds of the core as trained now, the same fold models uncalibrated, the core as it was
// before calibration (MDL bins, one shared evidence weight, no calibration) and a plain logistic
// regression, all on the same folds. Then the synthetic population's honest time split (train on
// 2023, judge on 2024) for the same three models, and training time on a synthetic sample.
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import {
  computeMetrics,
  crossValidate,
  evaluateModel,
  fitLogisticRegression,
  parseCsv,
  parseLabels,
  predictLogisticRegression,
  selectRows,
  tableFromRecords,
  tableFromRows,
  timeSplit,
  trainModel,
  type TrainOptions,
} from "../src/scoring/index.js";
import { populationTable } from "../src/sim/population.js";

const SEEDS = Number(process.argv[2] ?? 5);
const SAMPLE = Number(process.argv[3] ?? 20_000);
const PREVIOUS: TrainOptions = { calibration: "none", discretisation: { method: "mdl" }, evidenceWeights: "shared" };
const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

const { header, rows, lines } = parseCsv(readFileSync(new URL("../src/scoring/fixtures/german-credit.csv", import.meta.url), "utf8"));
const labelAt = header.indexOf("credit_risk");
const labels = parseLabels(rows.map((r) => r[labelAt] ?? ""), lines, "2");
const table = tableFromRecords(header.filter((h) => h !== "credit_risk"), rows.map((r) => r.filter((_, j) => j !== labelAt)));

const german = [];
for (let seed = 1; seed <= SEEDS; seed++) {
  const now = crossValidate(table, labels, 10, seed);
  const before = crossValidate(table, labels, 10, seed, PREVIOUS);
  const figures = (s: { pooled: { brier: number; auc: number }; mean: { brier: number; auc: number } }) => ({
    pooledBrier: r4(s.pooled.brier),
    pooledAuc: r4(s.pooled.auc),
    meanBrier: r4(s.mean.brier),
    meanAuc: r4(s.mean.auc),
  });
  german.push({
    seed,
    core: figures(now),
    coreUncalibrated: figures(now.uncalibrated),
    coreBefore: figures(before),
    logisticRegression: figures(now.logisticRegression),
    reliability: now.pooled.calibration.map((b) => [r4(b.meanPredicted), r4(b.observedRate)]),
    reliabilityBefore: before.pooled.calibration.map((b) => [r4(b.meanPredicted), r4(b.observedRate)]),
  });
}

// synthetic population, time split: features as of 2023-01-01 labelled by 2024, judged on 2024
const timeSplitFigures = [];
for (const popSeed of [2024, 7]) {
  const pop = populationTable({ entities: 6000, seed: popSeed });
  const t = tableFromRows(pop.map((r) => r.indicators));
  const ys = Uint8Array.from(pop, (r) => r.label);
  const split = timeSplit(pop.map((r) => r.as_of), "2024-01-01", 365);
  const pick = (idx: number[]) => Uint8Array.from(idx, (i) => ys[i] as number);
  const [train, test] = [selectRows(t, split.train), selectRows(t, split.test)];
  const judge = (opts: TrainOptions) => {
    const m = evaluateModel(trainModel(train, pick(split.train), { seed: 1, ...opts }), test, pick(split.test));
    return { brier: r4(m.brier), auc: r4(m.auc) };
  };
  const lr = computeMetrics(predictLogisticRegression(fitLogisticRegression(train, pick(split.train), [...train.columns.keys()]), test), pick(split.test));
  timeSplitFigures.push({
    populationSeed: popSeed,
    trainRows: train.n,
    testRows: test.n,
    brierBaseRate: r4(lr.brierBaseRate),
    core: judge({}),
    coreBefore: judge(PREVIOUS),
    logisticRegression: { brier: r4(lr.brier), auc: r4(lr.auc) },
  });
}

const sim = populationTable({ entities: SAMPLE, seed: 1, cutDates: ["2024-01-01"] });
const sample = tableFromRows(sim.map((r) => r.indicators));
const y = Uint8Array.from(sim, (r) => r.label);
const trainSeconds = (opts: TrainOptions) => {
  const runs: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t = process.hrtime.bigint();
    trainModel(sample, y, { seed: 1, ...opts });
    runs.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  return Math.min(...runs);
};

console.log(
  JSON.stringify(
    {
      machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
      germanCredit: german,
      syntheticTimeSplit: timeSplitFigures,
      trainingSecondsBestOf3: { rows: sample.n, before: trainSeconds(PREVIOUS), now: trainSeconds({}) },
    },
    null,
    2,
  ),
);
