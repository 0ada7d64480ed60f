// The expert default model: usable before any labelled history exists. Every number below is
// a judgement, not an estimate — base rates a regulator would guess per category, and log
// likelihood ratios read as "entities in this state are e^x times as likely to violate".
// The evidence weight 0.7 discounts the overlap between related indicators (e.g. complaints
// and complaint rate). Replace it with a trained model as soon as labels exist; see README.md.
import { deriveModelVersion } from "./artifact.js";
import { DEFAULT_LOSS_MODEL } from "./loss.js";
import { ARTIFACT_FORMAT, ARTIFACT_SCHEMA_VERSION, type FeatureModel, type ModelArtifact } from "./types.js";

const num = (id: string, edges: number[], binLogLR: number[], missing = 0): FeatureModel => ({
  id,
  type: "numeric",
  edges,
  logLR: [...binLogLR, missing],
});
const cat = (id: string, levels: string[], levelLogLR: number[], other = 0, missing = 0): FeatureModel => ({
  id,
  type: "categorical",
  levels,
  logLR: [...levelLogLR, other, missing],
});

const BASE_RATES: Record<string, number> = {
  food: 0.12,
  cosmetics: 0.12,
  drugs: 0.1,
  medical_devices: 0.1,
  childrens_goods: 0.1,
  agricultural: 0.08,
  electronics: 0.08,
  services: 0.07,
  other: 0.07,
  household: 0.06,
  apparel: 0.06,
};

const FEATURES: FeatureModel[] = [
  cat("entity_type", ["enterprise", "individual"], [-0.05, 0.1]),
  num("has_uscc", [0.5], [0.2, -0.1]),
  num("entity_age_days", [180, 730], [0.3, 0.1, -0.1]),
  num("disclosure_completeness", [0.5, 0.9], [0.4, 0.1, -0.15], 0.2),
  num("record_changes_365d", [0.5, 2.5], [-0.05, 0.2, 0.5]),
  cat("licence_status", ["valid", "expiring", "expired", "missing", "revoked", "not_required"], [-0.2, 0.2, 0.8, 0.9, 1.5, 0]),
  num("licence_inconsistencies_365d", [0.5], [-0.05, 0.7]),
  num("gmv_365d_cents", [], [0], 0.1),
  num("refund_rate_180d", [0.05, 0.1, 0.2], [-0.2, 0, 0.3, 0.7]),
  num("dispute_rate_180d", [0.5, 2, 5], [-0.2, 0.1, 0.4, 0.8]),
  num("platform_count", [], [0]),
  num("violations_365d", [0.01, 1.5], [-0.3, 1.2, 2.0]),
  num("violations_3y", [0.5, 1.5, 3.5], [-0.3, 0.6, 1.0, 1.5]),
  num("penalties_3y", [0.01, 1.5], [-0.1, 0.5, 0.9]),
  num("takedowns_365d", [0.01, 1.5], [-0.05, 0.5, 0.9]),
  num("rectifications_overdue_365d", [0.5], [-0.1, 0.9]),
  num("complaints_90d", [0.01, 1, 3, 10, 30], [-0.4, 0.1, 0.4, 0.8, 1.2, 1.8]),
  num("complaint_rate_365d", [0.5, 2, 5], [-0.4, 0, 0.5, 1.0]),
  num("reports_365d", [0.01, 1.5, 5.5], [-0.1, 0.5, 0.9, 1.4]),
  num("rating_avg_180d", [3.5, 4.2, 4.6], [0.8, 0.3, -0.1, -0.3], 0.1),
  num("litigation_365d", [0.01, 1.5], [-0.05, 0.4, 0.8]),
  num("litigation_defendant_3y", [0.5, 2.5], [-0.05, 0.3, 0.6]),
  num("related_entities", [0.5, 3.5], [-0.05, 0.1, 0.3]),
  cat("related_worst_class", ["none", "A", "B", "C", "D"], [0, -0.1, 0, 0.4, 0.8]),
  num("related_violators_365d", [0.5, 1.5], [-0.05, 0.5, 0.9]),
  num("same_address_entities", [0.5, 5.5], [-0.02, 0.1, 0.5]),
];

function build(): ModelArtifact {
  const globalRate = 0.08;
  const categories: ModelArtifact["prior"]["categories"] = {};
  for (const k of Object.keys(BASE_RATES).sort()) categories[k] = { n: 0, positives: 0, rate: BASE_RATES[k] as number };
  const draft: Omit<ModelArtifact, "version"> = {
    format: ARTIFACT_FORMAT,
    schemaVersion: ARTIFACT_SCHEMA_VERSION,
    kind: "naive_bayes",
    description:
      "Expert default: judgement-based category base rates and log-likelihood ratios over the indicator catalogue; no training data.",
    prior: { column: "category", globalRate, strength: 0, categories },
    evidenceWeight: 0.7,
    logitBound: 12,
    features: FEATURES,
    loss: DEFAULT_LOSS_MODEL,
    classes: {
      // expected-loss points (p x loss, 0..100)
      cutoffs: [2, 5, 20],
      // a violation more likely than not is D, a 30% chance at least C, whatever the loss
      probabilityFloors: [0.3, 0.5],
      overrides: {
        seriousViolation: ["serious_violations_365d"],
        licenceRevoked: ["licence_revoked"],
        history: "entity_age_days",
        minHistoryDays: 90,
        minKnownIndicators: 3,
        // behaviour, not registration: a shop known only by its registration has no record yet
        evidenceIndicators: [
          "gmv_365d_cents", "refund_rate_180d", "dispute_rate_180d", "violations_365d", "violations_3y", "penalties_3y",
          "takedowns_365d", "rectifications_overdue_365d", "complaints_90d", "complaint_rate_365d", "reports_365d",
          "rating_avg_180d", "litigation_365d", "litigation_defendant_3y",
        ],
      },
    },
    training: { trainedAt: null, method: "expert judgement" },
    metrics: {},
  };
  return { ...draft, version: deriveModelVersion(draft, "expert") };
}

/** A fresh copy each call, so callers may not mutate the shared default by accident. */
export function expertDefaultModel(): ModelArtifact {
  return build();
}
