// computeFeatures: the scoring core's indicator rows for many entities as of a time — one SQL
// statement for the entity's own indicators (features-sql.ts) and one for the relationship
// indicators (relationships.ts), merged here. Callers pass thousands of ids at a time.
import { CATEGORY_HAZARD, LICENCE_REQUIRED_CATEGORIES, type IndicatorRow } from "../scoring/index.js";
import { rowsOf, type Executor } from "../db/client.js";
import type { ComputeFeatures, ComputeRelationshipIndicators, RelationshipIndicators } from "./contracts.js";
import { featuresQuery } from "./features-sql.js";
import { computeRelationshipIndicators } from "./relationships.js";

/** One entity's own indicators as the features query returns them. */
export interface FeatureRow {
  entity_id: string;
  category: string | null;
  needs_licence: boolean;
  entity_type: string | null;
  has_uscc: number;
  entity_age_days: number | null;
  /** where entity_age_days counts from, epoch ms (absent in a table staged before this column) */
  operating_since_ms?: number | string | null;
  disclosure_completeness: number | null;
  licence_count: number;
  licence_revoked: boolean;
  licence_validity: "valid" | "expiring" | "expired" | null;
  licence_inconsistencies_365d: number;
  record_changes_365d: number | null;
  platform_count: number;
  region_count: number;
  complaints_90d: number | null;
  complaints_365d_decayed: number | null;
  disputes_180d_decayed: number | null;
  violations_365d: number | null;
  violations_3y: number | null;
  serious_violations_365d: number | null;
  penalties_3y: number | null;
  takedowns_365d: number | null;
  reports_365d: number | null;
  litigation_365d: number | null;
  litigation_defendant_3y: number | null;
  rating_sum: number | null;
  rating_count: number | null;
  sales_365_seen: number | null;
  orders_365: number | null;
  gmv_365: number | null;
  orders_180: number | null;
  refunds_180: number | null;
  /** null: no rectification case before asOf (absent too in a table staged before this column). */
  rectifications_overdue_365d?: number | null;
}

/**
 * Not an indicator: where the entity's time in business counts from (epoch ms; null unknown),
 * carried in the indicator row for the classifier to store on the entity. Models ignore it.
 */
export const OPERATING_SINCE_MS = "operating_since_ms";

export const NO_RELATIONSHIPS: RelationshipIndicators = { related_entities: 0, related_worst_class: "none", related_violators_365d: 0, same_address_entities: 0 };
const LICENCE_REQUIRED = [...LICENCE_REQUIRED_CATEGORIES];

/** Drivers differ in what they return for float8/int (number vs string): normalise. */
const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
/**
 * An event count: null when the gateway holds no event at all for the entity (the features
 * query has no counts row) — no record is not a clean record — else a number (0 included).
 */
const count = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function licenceStatus(r: FeatureRow): string {
  if (!r.needs_licence) return r.licence_revoked ? "revoked" : "not_required";
  if (r.licence_revoked) return "revoked";
  if (n(r.licence_count) === 0) return "missing";
  return r.licence_validity ?? "valid";
}

export function indicatorRowOf(r: FeatureRow, rel: RelationshipIndicators): IndicatorRow {
  const orders365 = n(r.orders_365);
  const orders180 = n(r.orders_180);
  const seen = n(r.sales_365_seen) > 0;
  const ratingCount = n(r.rating_count);
  return {
    category: r.category,
    entity_type: r.entity_type,
    has_uscc: n(r.has_uscc),
    entity_age_days: r.entity_age_days === null ? null : n(r.entity_age_days),
    [OPERATING_SINCE_MS]: r.operating_since_ms == null ? null : n(r.operating_since_ms),
    disclosure_completeness: r.disclosure_completeness === null ? null : n(r.disclosure_completeness),
    record_changes_365d: n(r.record_changes_365d),
    licence_status: licenceStatus(r),
    licence_revoked: r.licence_revoked ? 1 : 0,
    licence_inconsistencies_365d: n(r.licence_inconsistencies_365d),
    gmv_365d_cents: seen ? n(r.gmv_365) : null,
    orders_365d: seen ? orders365 : null,
    refund_rate_180d: orders180 > 0 ? n(r.refunds_180) / orders180 : null,
    dispute_rate_180d: orders180 > 0 ? (1000 * n(r.disputes_180d_decayed)) / orders180 : null,
    platform_count: n(r.platform_count),
    region_count: n(r.region_count),
    violations_365d: count(r.violations_365d),
    violations_3y: count(r.violations_3y),
    serious_violations_365d: count(r.serious_violations_365d),
    penalties_3y: count(r.penalties_3y),
    takedowns_365d: count(r.takedowns_365d),
    // No rectification case yet: unknown, the model's own "missing" state.
    rectifications_overdue_365d: r.rectifications_overdue_365d == null ? null : n(r.rectifications_overdue_365d),
    complaints_90d: count(r.complaints_90d),
    complaint_rate_365d: orders365 > 0 ? (1000 * n(r.complaints_365d_decayed)) / orders365 : null,
    reports_365d: count(r.reports_365d),
    rating_avg_180d: ratingCount > 0 ? n(r.rating_sum) / ratingCount : null,
    litigation_365d: count(r.litigation_365d),
    litigation_defendant_3y: count(r.litigation_defendant_3y),
    related_entities: rel.related_entities,
    related_worst_class: rel.related_worst_class,
    related_violators_365d: rel.related_violators_365d,
    same_address_entities: rel.same_address_entities,
  };
}

/** The entity's own indicators (no relationships); exported for tests and training. */
export async function computeOwnFeatures(
  on: Executor,
  entityIds: readonly string[],
  asOf: Date,
  options: { registeredAsOf?: Date } = {},
): Promise<Map<string, FeatureRow>> {
  const out = new Map<string, FeatureRow>();
  if (entityIds.length === 0) return out;
  const rows = rowsOf<FeatureRow>(
    await on.execute(featuresQuery({ source: { entityIds }, asOf, ...options, hazard: CATEGORY_HAZARD, licenceRequired: LICENCE_REQUIRED })),
  );
  for (const r of rows) out.set(r.entity_id, r);
  return out;
}

export function makeComputeFeatures(relationships: ComputeRelationshipIndicators): ComputeFeatures {
  return async (on, entityIds, asOf, options) => {
    const own = await computeOwnFeatures(on, entityIds, asOf, options);
    const rel = await relationships(on, entityIds, asOf);
    const out = new Map<string, IndicatorRow>();
    for (const [id, r] of own) out.set(id, indicatorRowOf(r, rel.get(id) ?? NO_RELATIONSHIPS));
    return out;
  };
}

export const computeFeatures: ComputeFeatures = makeComputeFeatures(computeRelationshipIndicators);
