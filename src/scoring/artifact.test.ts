import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ModelArtifactError,
  asColumnarInput,
  compileModel,
  deriveModelVersion,
  expertDefaultModel,
  parseCsv,
  parseModel,
  rowAt,
  scoreColumns,
  scoreEntity,
  serializeModel,
  tableFromRecords,
  validateModel,
} from "./index.js";

const good = () => JSON.parse(serializeModel(expertDefaultModel())) as Record<string, any>;
const calibrated = () => ({ ...good(), calibration: { method: "platt", slope: 0.8, intercept: -0.1 } }) as Record<string, any>;
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

describe("model artifacts", () => {
  it("round-trip through JSON unchanged and keep their version", () => {
    const m = expertDefaultModel();
    const back = parseModel(serializeModel(m));
    expect(back).toEqual(m);
    expect(back.version).toMatch(/^expert-[0-9a-f]{16}$/);
  });
  it.each<[string, (m: Record<string, any>) => void, RegExp]>([
    ["wrong format", (m) => (m.format = "pickle"), /format/],
    ["newer schema", (m) => (m.schemaVersion = 99), /schemaVersion 99 is not supported/],
    ["empty version", (m) => (m.version = ""), /version must not be empty/],
    ["NaN-ish parameter", (m) => (m.features[0].logLR[0] = null), /features\[0\]\.logLR\[0\] must be a finite number/],
    ["wrong table length", (m) => m.features[2].logLR.pop(), /logLR needs/],
    ["edges out of order", (m) => (m.features[2].edges = [5, 1]), /strictly ascending/],
    ["prior rate of 1", (m) => (m.prior.categories.food.rate = 1), /prior\.categories\.food\.rate/],
    ["two cut-offs", (m) => (m.classes.cutoffs = [1, 2]), /cutoffs must have 3 values/],
    ["cut-offs descending", (m) => (m.classes.cutoffs = [5, 2, 9]), /ascending/],
    ["missing loss", (m) => delete m.loss, /loss must be an object/],
    ["calibration on schema 1", (m) => (m.schemaVersion = 1), /calibration needs schemaVersion 2/],
    ["unknown calibration", (m) => (m.calibration.method = "isotonic"), /calibration\.method "isotonic" is not supported/],
    ["calibration that reverses the ranking", (m) => (m.calibration.slope = -1), /calibration\.slope must be in \[0\.05, 5\]/],
    ["calibration without intercept", (m) => delete m.calibration.intercept, /calibration\.intercept must be a finite number/],
    ["negative feature weight", (m) => (m.features[0].weight = -0.1), /features\[0\]\.weight must be >= 0/],
    ["feature weight on schema 1", (m) => ((m.features[0].weight = 0.5), delete m.calibration, (m.schemaVersion = 1)), /features\[0\]\.weight needs schemaVersion 2/],
  ])("refuse a corrupt artifact: %s", (_name, corrupt, message) => {
    const m = calibrated();
    corrupt(m);
    expect(() => validateModel(m)).toThrow(ModelArtifactError);
    expect(() => validateModel(m)).toThrow(message);
  });
  it("refuses text that is not JSON", () => {
    expect(() => parseModel('{"format": ')).toThrow(/invalid model artifact: not JSON/);
  });
});

describe("artifacts written before calibration (schema 1)", () => {
  // model-schema1.json was trained and its scores recorded by the build before calibration existed
  const old = parseModel(fixture("model-schema1.json"));
  const recorded = JSON.parse(fixture("model-schema1-scores.json")) as { model: string; scores: [number, number, string][] };
  const { header, rows } = parseCsv(fixture("merchants-small.csv"));
  const keep = header.filter((h) => !["label", "as_of", "entity_id"].includes(h));
  const table = tableFromRecords(keep, rows.map((r) => keep.map((h) => r[header.indexOf(h)] ?? "")));

  it("still load, uncalibrated, under the version they always had", () => {
    expect(old.schemaVersion).toBe(1);
    expect(old.calibration).toBeUndefined();
    expect(old.features.every((f) => f.weight === undefined)).toBe(true);
    expect(deriveModelVersion(old)).toBe(old.version);
    expect(recorded.model).toBe(old.version);
  });
  it("score every row exactly as they did, in both scorers", () => {
    const compiled = compileModel(old);
    const batch = scoreColumns(compiled, asColumnarInput(table));
    expect(recorded.scores).toHaveLength(table.n);
    recorded.scores.forEach(([p, expectedLoss, cls], i) => {
      const r = scoreEntity(compiled, rowAt(table, i));
      expect([r.p, r.expectedLoss]).toEqual([p, expectedLoss]);
      // The classes were recorded when thin data always meant B; now a C or D score on adverse
      // known evidence stands (class-decision.test.ts). Every other class is as recorded.
      if (r.class !== cls) expect([cls, r.override, ["C", "D"].includes(r.class)]).toEqual(["B", undefined, true]);
      expect(batch.p[i]).toBe(p);
      expect(r.contributions.some((c) => c.indicator === "_calibration")).toBe(false);
    });
  });
  it("a model written now carries schema 2 and, without calibration, the same version rule", () => {
    const m = expertDefaultModel();
    expect(m.schemaVersion).toBe(2);
    expect(m.calibration).toBeUndefined();
    expect(deriveModelVersion(m, "expert")).toBe(m.version);
    expect(deriveModelVersion({ ...m, calibration: { method: "platt", slope: 0.9, intercept: 0.1 } }, "expert")).not.toBe(m.version);
  });
});
