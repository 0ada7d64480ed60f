// Loading, validating and serialising model artifacts. A model that fails validation is
// refused with a message naming the offending field: a half-valid model would silently
// misclassify every entity, which is worse than refusing to start.
import { PLATT_SLOPE_RANGE, usableSlope } from "./calibration.js";
import { contentHash } from "./math.js";
import { ARTIFACT_FORMAT, READABLE_SCHEMA_VERSIONS, type ModelArtifact } from "./types.js";

export class ModelArtifactError extends Error {
  constructor(message: string) {
    super(`invalid model artifact: ${message}`);
    this.name = "ModelArtifactError";
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function fail(msg: string): never {
  throw new ModelArtifactError(msg);
}
function obj(v: unknown, path: string): Obj {
  return isObj(v) ? v : fail(`${path} must be an object`);
}
function finite(v: unknown, path: string): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fail(`${path} must be a finite number, got ${JSON.stringify(v)}`);
}
function str(v: unknown, path: string): string {
  return typeof v === "string" ? v : fail(`${path} must be a string`);
}
function finiteArray(v: unknown, path: string): number[] {
  if (!Array.isArray(v)) fail(`${path} must be an array`);
  return v.map((x, i) => finite(x, `${path}[${i}]`));
}
function prob(v: unknown, path: string): number {
  const x = finite(v, path);
  return x > 0 && x < 1 ? x : fail(`${path} must be strictly between 0 and 1, got ${x}`);
}

/** Validates an already-parsed artifact; returns it typed or throws ModelArtifactError. */
export function validateModel(value: unknown): ModelArtifact {
  const m = obj(value, "model");
  if (m.format !== ARTIFACT_FORMAT) fail(`format must be "${ARTIFACT_FORMAT}", got ${JSON.stringify(m.format)}`);
  if (typeof m.schemaVersion !== "number" || !READABLE_SCHEMA_VERSIONS.includes(m.schemaVersion)) {
    fail(`schemaVersion ${JSON.stringify(m.schemaVersion)} is not supported (this build reads ${READABLE_SCHEMA_VERSIONS.join(", ")})`);
  }
  if (str(m.version, "version").length === 0) fail("version must not be empty");
  if (m.kind !== "naive_bayes") fail(`kind ${JSON.stringify(m.kind)} is not supported`);

  const prior = obj(m.prior, "prior");
  if (prior.column !== null) str(prior.column, "prior.column");
  prob(prior.globalRate, "prior.globalRate");
  if (finite(prior.strength, "prior.strength") < 0) fail("prior.strength must be >= 0");
  const cats = obj(prior.categories, "prior.categories");
  for (const [k, c] of Object.entries(cats)) {
    const co = obj(c, `prior.categories.${k}`);
    finite(co.n, `prior.categories.${k}.n`);
    finite(co.positives, `prior.categories.${k}.positives`);
    prob(co.rate, `prior.categories.${k}.rate`);
  }
  const w = finite(m.evidenceWeight, "evidenceWeight");
  if (w < 0) fail("evidenceWeight must be >= 0");
  if (finite(m.logitBound, "logitBound") <= 0) fail("logitBound must be > 0");
  if (m.calibration !== undefined) validateCalibration(m.calibration, m.schemaVersion);

  if (!Array.isArray(m.features)) fail("features must be an array");
  const seen = new Set<string>();
  m.features.forEach((f: unknown, i: number) => {
    const fo = obj(f, `features[${i}]`);
    const id = str(fo.id, `features[${i}].id`);
    if (seen.has(id)) fail(`features[${i}].id "${id}" is duplicated`);
    seen.add(id);
    const logLR = finiteArray(fo.logLR, `features[${i}].logLR`);
    if (fo.weight !== undefined) {
      if (m.schemaVersion === 1) fail(`features[${i}].weight needs schemaVersion 2 or later`);
      if (finite(fo.weight, `features[${i}].weight`) < 0) fail(`features[${i}].weight must be >= 0`);
    }
    if (fo.type === "numeric") {
      const edges = finiteArray(fo.edges, `features[${i}].edges`);
      for (let k = 1; k < edges.length; k++) {
        if (!((edges[k] ?? 0) > (edges[k - 1] ?? 0))) fail(`features[${i}].edges must be strictly ascending`);
      }
      if (logLR.length !== edges.length + 2) {
        fail(`features[${i}] ("${id}") has ${edges.length} edges so logLR needs ${edges.length + 2} values, got ${logLR.length}`);
      }
    } else if (fo.type === "categorical") {
      if (!Array.isArray(fo.levels)) fail(`features[${i}].levels must be an array`);
      fo.levels.forEach((l: unknown, k: number) => str(l, `features[${i}].levels[${k}]`));
      if (new Set(fo.levels).size !== fo.levels.length) fail(`features[${i}].levels has duplicates`);
      if (logLR.length !== fo.levels.length + 2) {
        fail(`features[${i}] ("${id}") has ${fo.levels.length} levels so logLR needs ${fo.levels.length + 2} values, got ${logLR.length}`);
      }
    } else fail(`features[${i}].type must be "numeric" or "categorical"`);
  });

  const loss = obj(m.loss, "loss");
  for (const [k, h] of Object.entries(obj(loss.hazard, "loss.hazard"))) {
    const x = finite(h, `loss.hazard.${k}`);
    if (x < 0 || x > 1) fail(`loss.hazard.${k} must be in [0, 1]`);
  }
  finite(loss.defaultHazard, "loss.defaultHazard");
  const cols = obj(loss.columns, "loss.columns");
  for (const k of ["category", "gmvCents", "orders", "platforms", "regions"]) str(cols[k], `loss.columns.${k}`);
  for (const k of ["gmvYuanAtMax", "ordersAtMax", "platformsAtMax", "regionsAtMax"]) {
    if (finite(loss[k], `loss.${k}`) <= 0) fail(`loss.${k} must be > 0`);
  }
  finite(loss.missingScale, "loss.missingScale");
  const lw = obj(loss.weights, "loss.weights");
  for (const k of ["base", "scale", "reach"]) finite(lw[k], `loss.weights.${k}`);

  const classes = obj(m.classes, "classes");
  const cut = finiteArray(classes.cutoffs, "classes.cutoffs");
  if (cut.length !== 3) fail(`classes.cutoffs must have 3 values, got ${cut.length}`);
  if (!((cut[0] ?? 0) <= (cut[1] ?? 0) && (cut[1] ?? 0) <= (cut[2] ?? 0))) fail("classes.cutoffs must be ascending");
  if (classes.probabilityFloors !== undefined && classes.probabilityFloors !== null) {
    const f = finiteArray(classes.probabilityFloors, "classes.probabilityFloors");
    if (f.length !== 2) fail(`classes.probabilityFloors must have 2 values, got ${f.length}`);
    if (!(0 < (f[0] ?? 0) && (f[0] ?? 0) <= (f[1] ?? 0) && (f[1] ?? 0) <= 1)) fail("classes.probabilityFloors must be ascending within (0, 1]");
  }
  const ov = obj(classes.overrides, "classes.overrides");
  for (const k of ["seriousViolation", "licenceRevoked"]) {
    if (!Array.isArray(ov[k])) fail(`classes.overrides.${k} must be an array`);
    (ov[k] as unknown[]).forEach((x, i) => str(x, `classes.overrides.${k}[${i}]`));
  }
  if (ov.history !== null) str(ov.history, "classes.overrides.history");
  finite(ov.minHistoryDays, "classes.overrides.minHistoryDays");
  finite(ov.minKnownIndicators, "classes.overrides.minKnownIndicators");
  if (ov.evidenceIndicators !== undefined) {
    if (!Array.isArray(ov.evidenceIndicators)) fail("classes.overrides.evidenceIndicators must be an array");
    (ov.evidenceIndicators as unknown[]).forEach((x, i) => str(x, `classes.overrides.evidenceIndicators[${i}]`));
  }

  obj(m.training, "training");
  obj(m.metrics, "metrics");
  return m as unknown as ModelArtifact;
}

/** Schema 1 predates calibration: a calibration there would be ignored by the builds that wrote it. */
function validateCalibration(value: unknown, schemaVersion: number): void {
  if (schemaVersion < 2) fail(`calibration needs schemaVersion 2 or later, got ${schemaVersion}`);
  const c = obj(value, "calibration");
  if (c.method !== "platt") fail(`calibration.method ${JSON.stringify(c.method)} is not supported (only "platt")`);
  const slope = finite(c.slope, "calibration.slope");
  if (!usableSlope(slope)) fail(`calibration.slope must be in [${PLATT_SLOPE_RANGE.join(", ")}], got ${slope}`);
  finite(c.intercept, "calibration.intercept");
}

/** Parses JSON text and validates it. */
export function parseModel(json: string): ModelArtifact {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    throw new ModelArtifactError(`not JSON (${(e as Error).message})`);
  }
  return validateModel(value);
}

export function serializeModel(model: ModelArtifact): string {
  return JSON.stringify(model, null, 2) + "\n";
}

/**
 * A version derived from everything that changes scores (not from metadata such as trainedAt),
 * so identical parameters always carry the same version.
 */
export function deriveModelVersion(model: Omit<ModelArtifact, "version">, prefix = "nb"): string {
  const scoring = {
    prior: model.prior,
    evidenceWeight: model.evidenceWeight,
    logitBound: model.logitBound,
    // only when present, so models without calibration keep the versions they always had
    ...(model.calibration ? { calibration: model.calibration } : {}),
    features: model.features,
    loss: model.loss,
    classes: model.classes,
  };
  return `${prefix}-${contentHash(JSON.stringify(scoring))}`;
}
