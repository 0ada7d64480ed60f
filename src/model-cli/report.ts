// The model CLI's human-readable summary: a reliability table (mean predicted probability
// against the observed rate per decile of prediction) with Brier score and AUC, side by side for
// the predictors being compared. stdout stays JSON for scripts; this goes to stderr.
import type { CrossValidationResult, Metrics } from "../scoring/index.js";

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : "-");
const num = (x: number, digits = 4) => (Number.isFinite(x) ? x.toFixed(digits) : "-");

/** One reliability table with a column pair (predicted, observed) per named predictor. */
export function reliabilityTable(predictors: ReadonlyArray<readonly [string, Metrics]>): string {
  const width = 22;
  const pad = (s: string, w = width) => s.padStart(w);
  const lines: string[] = [];
  lines.push("decile     n" + predictors.map(([name]) => pad(name)).join(""));
  lines.push("            " + predictors.map(() => pad("predicted  observed")).join(""));
  const rows = Math.max(...predictors.map(([, m]) => m.calibration.length));
  for (let b = 0; b < rows; b++) {
    const first = predictors[0]?.[1].calibration[b];
    const cells = predictors.map(([, m]) => {
      const bin = m.calibration[b];
      return pad(bin ? `${pct(bin.meanPredicted).padStart(9)} ${pct(bin.observedRate).padStart(9)}` : "");
    });
    lines.push(`${String(b + 1).padStart(6)}${String(first?.n ?? "").padStart(6)}${cells.join("")}`);
  }
  lines.push("Brier       " + predictors.map(([, m]) => pad(num(m.brier))).join("") + `   (base rate ${num(predictors[0]?.[1].brierBaseRate ?? NaN)})`);
  lines.push("AUC         " + predictors.map(([, m]) => pad(num(m.auc))).join(""));
  lines.push("log loss    " + predictors.map(([, m]) => pad(num(m.logLoss))).join(""));
  return lines.join("\n") + "\n";
}

export function evaluationReport(modelVersion: string, m: Metrics): string {
  return `reliability of ${modelVersion} on ${m.n} rows (${m.positives} positive):\n` + reliabilityTable([["model", m]]);
}

export function crossValidationReport(cv: CrossValidationResult): string {
  const mean = (label: string, s: { auc: number; brier: number }) => `  ${label.padEnd(24)} Brier ${num(s.brier)}  AUC ${num(s.auc)}`;
  return [
    `${cv.folds}-fold cross-validation (seed ${cv.seed}), pooled out-of-fold predictions:`,
    reliabilityTable([
      ["scoring core", cv.pooled],
      ["core uncalibrated", cv.uncalibrated.pooled],
      ["logistic regression", cv.logisticRegression.pooled],
    ]).trimEnd(),
    "mean over folds:",
    mean("scoring core", cv.mean),
    mean("core uncalibrated", cv.uncalibrated.mean),
    mean("logistic regression", cv.logisticRegression.mean),
    "",
  ].join("\n");
}
