// Public API of the scoring core (package subpath "./scoring"). Pure and deterministic:
// no I/O, no clock, no imports from the rest of src/.
export * from "./types.js";
export { CATEGORIES, CATEGORY_HAZARD, LICENCE_REQUIRED_CATEGORIES, isCategory, type Category } from "./categories.js";
export {
  INDICATORS,
  EVENT_LOOKBACK_DAYS,
  EVIDENCE_INDICATOR_IDS,
  RELATIONSHIP_INDICATOR_IDS,
  indicatorById,
  type IndicatorDefinition,
  type IndicatorGroup,
  type IndicatorKind,
  type IndicatorUse,
} from "./indicators.js";
export { usccCheckChar, isValidUscc, orgCodeCheckChar, USCC_ALPHABET } from "./uscc.js";
export { logit, sigmoid } from "./math.js";
export { createRng, type Rng } from "./prng.js";
export { parseCsv, forEachCsvRecord, csvField, csvLine, CsvError } from "./csv.js";
export { ModelArtifactError, validateModel, parseModel, serializeModel, deriveModelVersion } from "./artifact.js";
export { compileModel, type CompiledModel } from "./compile.js";
export {
  scoreEntity,
  sameStates,
  contributionsOf,
  scoreColumns,
  allocateBatchScores,
  BOUND_INDICATOR,
  CALIBRATION_INDICATOR,
  type BatchScores,
  type Column,
  type ColumnarInput,
} from "./score.js";
export { DEFAULT_LOSS_MODEL, lossFor, type LossInputs } from "./loss.js";
export { classFromExpectedLoss, decideClass, scoredClass, thinData, OVERRIDE_CODES } from "./classify.js";
export { explainScore, type Reason, type ExplainOptions } from "./reasons.js";
export { expertDefaultModel } from "./expert-model.js";
export { trainModel, evaluateModel, DEFAULT_CLASS_SHARES, type TrainOptions, type FeatureSpec } from "./train.js";
export { DEFAULT_EVIDENCE_WEIGHT_RIDGE } from "./weighted-naive-bayes.js";
export { fitPlatt, plattBrier, plattLogLoss, PLATT_SLOPE_RANGE, type PlattCalibration } from "./calibration.js";
export { fitLogisticRegression, predictLogisticRegression, type LogisticModel } from "./logistic-regression.js";
export { computeMetrics, violationRateRisesStrictly, auc, ks, type Metrics, type CalibrationBin } from "./metrics.js";
export { crossValidate, kFoldAssignment, timeSplit, labelWindow, type CrossValidationResult, type FoldSummary } from "./validation.js";
export {
  tableFromRecords,
  tableFromRows,
  selectRows,
  rowAt,
  asColumnarInput,
  parseLabels,
  looksNumeric,
  looksLikeDates,
  type DataTable,
} from "./table.js";
export {
  computeIndicators,
  type MerchantRecord,
  type EventRecord,
  type HeldMerchantRecord,
  type EntityHistory,
  type RelationshipFacts,
  type ComputedIndicators,
} from "./compute-indicators.js";

import { compileModel } from "./compile.js";
import { scoreEntity } from "./score.js";
import type { IndicatorRow, ModelArtifact, ScoreResult } from "./types.js";

/** Convenience for one-off scoring; compile once with compileModel() when scoring many entities. */
export function score(model: ModelArtifact, row: IndicatorRow): ScoreResult {
  return scoreEntity(compileModel(model), row);
}
