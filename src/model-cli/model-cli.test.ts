// The CLI round trip on the small CSV in the repo, run as real child processes:
// train -> evaluate -> score, byte-identical output across processes, clear errors.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCsv, parseModel } from "../scoring/index.js";

const FIXTURE = "src/scoring/fixtures/merchants-small.csv";
const dir = mkdtempSync(join(tmpdir(), "model-cli-"));
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "src/model-cli.ts", ...args], { encoding: "utf8", cwd: process.cwd() });
const ok = (...args: string[]) => {
  const r = cli(...args);
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
  return r.stdout;
};

describe("model CLI", () => {
  const modelPath = join(dir, "model.json");
  it("trains with a time split and prints metrics as JSON", () => {
    const out = JSON.parse(
      ok("train", "--data", FIXTURE, "--label", "label", "--out", modelPath, "--time", "as_of", "--test-from", "2024-01-01", "--trained-at", "2024-01-01T00:00:00Z"),
    );
    expect(out.metrics.holdout.auc).toBeGreaterThan(0.7);
    expect(parseModel(readFileSync(modelPath, "utf8")).version).toBe(out.version);
  });
  it("evaluates the saved model, with a reliability table on stderr", () => {
    const r = cli("evaluate", "--model", modelPath, "--data", FIXTURE, "--label", "label");
    expect(r.status).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m.n).toBe(617);
    expect(m.brier).toBeLessThan(m.brierBaseRate);
    expect(m.calibration).toHaveLength(10);
    expect(r.stderr).toMatch(/^decile +n +model$/m);
    expect(r.stderr).toMatch(new RegExp(`^Brier +${m.brier.toFixed(4)}`, "m"));
    expect(r.stderr).toMatch(new RegExp(`^AUC +${m.auc.toFixed(4)}`, "m"));
  });
  it("scores every row with p, loss, class and reasons, identically in two processes", () => {
    const a = ok("score", "--model", modelPath, "--data", FIXTURE, "--id", "entity_id");
    const b = execFileSync(process.execPath, ["--import", "tsx", "src/model-cli.ts", "score", "--model", modelPath, "--data", FIXTURE, "--id", "entity_id"], { encoding: "utf8" });
    expect(a).toBe(b);
    const { header, rows } = parseCsv(a);
    expect(header).toEqual(["row", "id", "p", "loss", "expected_loss", "class", "override", "reasons_en", "reasons_zh", "model_version"]);
    expect(rows).toHaveLength(617);
    for (const r of rows) {
      expect(Number(r[2])).toBeGreaterThan(0);
      expect(["A", "B", "C", "D"]).toContain(r[5]);
    }
    expect(rows.some((r) => (r[7] ?? "").includes("raises the odds"))).toBe(true);
  });
  it("cross-validates with a seed, beside the uncalibrated models and a logistic regression", () => {
    const r = cli("cv", "--data", FIXTURE, "--label", "label", "--folds", "3", "--seed", "1");
    expect(r.status).toBe(0);
    const cv = JSON.parse(r.stdout);
    expect(cv.perFold).toHaveLength(3);
    expect(cv.mean.auc).toBeGreaterThan(0.7);
    for (const s of [cv, cv.uncalibrated, cv.logisticRegression]) expect(s.pooled.calibration).toHaveLength(10);
    expect(r.stderr).toMatch(/scoring core +core uncalibrated +logistic regression/);
    expect(r.stderr).toMatch(new RegExp(`^Brier +${cv.pooled.brier.toFixed(4)} +${cv.uncalibrated.pooled.brier.toFixed(4)} +${cv.logisticRegression.pooled.brier.toFixed(4)}`, "m"));
  });
  it("trains the model as it was before calibration on request", () => {
    const out = JSON.parse(ok("train", "--data", FIXTURE, "--label", "label", "--out", join(dir, "plain.json"), "--calibration", "none", "--binning", "mdl", "--evidence-weights", "shared"));
    const plain = parseModel(readFileSync(join(dir, "plain.json"), "utf8"));
    expect(plain.calibration).toBeUndefined();
    expect(plain.features.every((f) => f.weight === undefined)).toBe(true);
    expect(out.version).toBe(plain.version);
    expect(cli("train", "--data", FIXTURE, "--label", "label", "--out", join(dir, "x.json"), "--binning", "fancy").stderr).toMatch(/--binning must be one of mdl, quantile/);
  });
  it("works on a generic CSV with a text label and --positive", () => {
    const lines = ["age,region,income,default"];
    for (let i = 0; i < 300; i++) lines.push(`${20 + (i % 50)},${["n", "s", "e"][i % 3]},${(i * 37) % 1000},${i % 50 > 35 || i % 7 === 0 ? "bad" : "good"}`);
    const data = join(dir, "generic.csv");
    writeFileSync(data, lines.join("\n") + "\n");
    const out = JSON.parse(ok("train", "--data", data, "--label", "default", "--positive", "bad", "--out", join(dir, "g.json")));
    expect(out.metrics.training.auc).toBeGreaterThan(0.7);
  });
  it("refuses a bad file naming the line, and a corrupt model", () => {
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, "a,b,label\n1,2,0\n3,4\n");
    const r = cli("train", "--data", bad, "--label", "label", "--out", join(dir, "x.json"));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/line 3: expected 3 fields, found 2/);
    const badLabel = join(dir, "bad-label.csv");
    writeFileSync(badLabel, "a,label\n1,0\n2,maybe\n");
    expect(cli("train", "--data", badLabel, "--label", "label", "--out", join(dir, "x.json")).stderr).toMatch(/line 3: label "maybe"/);
    const corrupt = join(dir, "corrupt.json");
    writeFileSync(corrupt, readFileSync(modelPath, "utf8").replace(/"schemaVersion": \d+/, '"schemaVersion": 7'));
    const s = cli("score", "--model", corrupt, "--data", FIXTURE);
    expect(s.status).toBe(1);
    expect(s.stderr).toMatch(/invalid model artifact: schemaVersion 7 is not supported/);
  });
});
