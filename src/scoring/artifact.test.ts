import { describe, expect, it } from "vitest";
import { ModelArtifactError, expertDefaultModel, parseModel, serializeModel, validateModel } from "./index.js";

const good = () => JSON.parse(serializeModel(expertDefaultModel())) as Record<string, any>;

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
  ])("refuse a corrupt artifact: %s", (_name, corrupt, message) => {
    const m = good();
    corrupt(m);
    expect(() => validateModel(m)).toThrow(ModelArtifactError);
    expect(() => validateModel(m)).toThrow(message);
  });
  it("refuses text that is not JSON", () => {
    expect(() => parseModel('{"format": ')).toThrow(/invalid model artifact: not JSON/);
  });
});
