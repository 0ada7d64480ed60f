// `npm run model -- <command>`: train, evaluate, cross-validate and score the Bayesian credit
// model on any CSV with a header (and a label column), and generate the synthetic population.
// Metrics are printed as JSON on stdout; evaluate and cv also write a readable reliability table
// (predicted vs observed per decile, Brier, AUC) to stderr; errors go to stderr with the offending line.
import { readFileSync, writeFileSync } from "node:fs";
import { UsageError, int, list, optional, parseArgs, required, type ParsedArgs } from "./model-cli/args.js";
import { loadCsv } from "./model-cli/data.js";
import { crossValidationReport, evaluationReport } from "./model-cli/report.js";
import {
  compileModel,
  crossValidate,
  csvLine,
  evaluateModel,
  expertDefaultModel,
  explainScore,
  parseModel,
  rowAt,
  scoreEntity,
  selectRows,
  serializeModel,
  timeSplit,
  trainModel,
  type ModelArtifact,
  type TrainOptions,
} from "./scoring/index.js";
import { writePopulation } from "./sim/index.js";

const USAGE = `usage: npm run model -- <command> [options]
  train    --data FILE --label COL [--positive VALUE] --out MODEL.json
           [--numeric a,b] [--categorical c,d] [--exclude x,y] [--category COL|none]
           [--time COL --test-from DATE [--horizon DAYS]] [--cutoffs a,b,c] [--seed S] [--trained-at ISO]
           [--calibration platt|none] [--binning mdl|quantile] [--evidence-weights per-indicator|shared]
  evaluate --model MODEL.json --data FILE --label COL [--positive VALUE]
  cv       --data FILE --label COL [--positive VALUE] [--folds 10] [--seed 1] [train options]
  score    --model MODEL.json --data FILE [--id COL] [--top 3] [--out FILE]
  expert   --out MODEL.json            (writes the expert default model)
  sim      --entities N --seed S --out DIR [--no-batches] [--cut-dates 2023-01-01,2024-01-01] [--batch-size 10000]`;

function choice<T extends string>(args: ParsedArgs, key: string, allowed: readonly T[]): T | undefined {
  const v = optional(args, key);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${key} must be one of ${allowed.join(", ")}, got "${v}"`);
  return v as T;
}

function trainOptions(args: ParsedArgs, exclude: string[]): TrainOptions {
  const category = optional(args, "category");
  const calibration = choice(args, "calibration", ["platt", "none"] as const);
  const binning = choice(args, "binning", ["mdl", "quantile"] as const);
  const evidenceWeights = choice(args, "evidence-weights", ["per-indicator", "shared"] as const);
  const cutoffs = list(args, "cutoffs")?.map(Number);
  if (cutoffs && (cutoffs.length !== 3 || cutoffs.some((x) => !Number.isFinite(x)))) throw new UsageError("--cutoffs needs three numbers a,b,c");
  return {
    exclude: [...exclude, ...(list(args, "exclude") ?? [])],
    ...(category !== undefined ? { categoryColumn: category === "none" ? null : category } : {}),
    ...(cutoffs ? { cutoffs: cutoffs as [number, number, number] } : {}),
    ...(calibration ? { calibration } : {}),
    ...(binning ? { discretisation: { method: binning } } : {}),
    ...(evidenceWeights ? { evidenceWeights } : {}),
    seed: optional(args, "seed") ?? 1,
    trainedAt: optional(args, "trained-at") ?? new Date().toISOString(),
  };
}

function readModel(path: string): ModelArtifact {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseModel(text);
}

function withoutCalibration<T extends { calibration?: unknown }>(m: T): T {
  return m;
}

function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n");
}

function run(argv: string[]): void {
  const args = parseArgs(argv);
  const label = () => required(args, "label");
  const positive = () => optional(args, "positive");
  switch (args.command) {
    case "train": {
      const data = loadCsv(required(args, "data"), { label: label(), positive: positive(), numeric: list(args, "numeric"), categorical: list(args, "categorical") });
      const opts = trainOptions(args, data.dateColumns);
      const time = optional(args, "time");
      const testFrom = optional(args, "test-from");
      let model: ModelArtifact;
      const labels = data.labels as Uint8Array;
      if (time !== undefined || testFrom !== undefined) {
        if (time === undefined || testFrom === undefined) throw new UsageError("--time and --test-from go together");
        const split = timeSplit(data.raw(time), testFrom, int(args, "horizon", 365));
        const pick = (idx: number[]) => Uint8Array.from(idx, (i) => labels[i] as number);
        model = trainModel(selectRows(data.table, split.train), pick(split.train), { ...opts, metadata: { timeColumn: time, testFrom } });
        model.metrics = { ...model.metrics, holdout: evaluateModel(model, selectRows(data.table, split.test), pick(split.test)) };
      } else model = trainModel(data.table, labels, opts);
      writeFileSync(required(args, "out"), serializeModel(model));
      printJson({ version: model.version, features: model.features.length, evidenceWeight: model.evidenceWeight, cutoffs: model.classes.cutoffs, metrics: withoutCalibration(model.metrics) });
      return;
    }
    case "evaluate": {
      const model = readModel(required(args, "model"));
      const data = loadCsv(required(args, "data"), { label: label(), positive: positive(), model });
      const metrics = evaluateModel(model, data.table, data.labels as Uint8Array);
      printJson({ modelVersion: model.version, ...metrics });
      process.stderr.write(evaluationReport(model.version, metrics));
      return;
    }
    case "cv": {
      const data = loadCsv(required(args, "data"), { label: label(), positive: positive(), numeric: list(args, "numeric"), categorical: list(args, "categorical") });
      const folds = int(args, "folds", 10);
      const seed = optional(args, "seed") ?? 1;
      const { trainedAt: _t, ...opts } = trainOptions(args, data.dateColumns);
      const cv = crossValidate(data.table, data.labels as Uint8Array, folds, seed, opts);
      printJson(cv);
      process.stderr.write(crossValidationReport(cv));
      return;
    }
    case "score": {
      const model = readModel(required(args, "model"));
      const data = loadCsv(required(args, "data"), { model });
      const idCol = optional(args, "id");
      const ids = idCol === undefined ? null : data.raw(idCol);
      const top = int(args, "top", 3);
      const compiled = compileModel(model);
      const out: string[] = [csvLine(["row", "id", "p", "loss", "expected_loss", "class", "override", "reasons_en", "reasons_zh", "model_version"])];
      for (let i = 0; i < data.table.n; i++) {
        const r = scoreEntity(compiled, rowAt(data.table, i));
        const reasons = explainScore(r, { top });
        out.push(
          csvLine([
            data.lines[i] ?? i + 2, ids ? ids[i] : null, r.p, r.loss, r.expectedLoss, r.class, r.override ?? "",
            reasons.map((x) => x.en).join("; "), reasons.map((x) => x.zh).join("；"), r.modelVersion,
          ]),
        );
      }
      const file = optional(args, "out");
      if (file) writeFileSync(file, out.join(""));
      else process.stdout.write(out.join(""));
      return;
    }
    case "expert": {
      writeFileSync(required(args, "out"), serializeModel(expertDefaultModel()));
      printJson({ version: expertDefaultModel().version });
      return;
    }
    case "sim": {
      const entities = int(args, "entities", 1000);
      if (entities < 1) throw new UsageError("--entities must be at least 1");
      const started = Date.now();
      const summary = writePopulation({
        entities,
        seed: optional(args, "seed") ?? 1,
        out: required(args, "out"),
        batches: !args.options.has("no-batches"),
        batchSize: int(args, "batch-size", 10_000),
        ...(list(args, "cut-dates") ? { cutDates: list(args, "cut-dates") } : {}),
        onProgress: (n) => process.stderr.write(`\r${n} entities`),
      });
      if (entities >= 10_000) process.stderr.write("\n");
      printJson({ ...summary, seconds: (Date.now() - started) / 1000 });
      return;
    }
    default:
      throw new UsageError(args.command ? `unknown command "${args.command}"` : "a command is required");
  }
}

try {
  run(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError) {
    process.stderr.write(`error: ${e.message}\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`error: ${(e as Error).message}\n`);
  process.exit(1);
}
