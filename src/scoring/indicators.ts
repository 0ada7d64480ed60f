// The indicator catalogue: what the classifier reads about an entity, defined precisely enough
// that the classification layer can compute each one in SQL over the event store, and that
// `computeIndicators` (the reference implementation in compute-indicators.ts) agrees with it.
//
// Conventions for every definition:
// - "as of" T is the classification time; only events with occurred_at < T count.
// - window W days: occurred_at in [T - W days, T).
// - decayed count: sum over events in the window of 0.5 ^ (age_days / half_life_days),
//   age_days = (T - occurred_at) / 86400 s. With no half-life the count is plain.
// - entity-level: summed over all shops of the entity on all platforms (the gateway sees them all).
// - a value is NULL (missing, its own state in the model) when the definition says so —
//   never silently 0.

export type IndicatorGroup =
  | "registration_disclosure"
  | "licensing"
  | "operations"
  | "performance_history"
  | "social_evaluation"
  | "judicial"
  | "relationships";

export type IndicatorKind = "count" | "rate" | "flag" | "numeric" | "categorical";
/** evidence: a naive-Bayes term; prior: picks the base rate; loss: feeds the loss; override: forces a class */
export type IndicatorUse = "evidence" | "prior" | "loss" | "override";

export interface IndicatorDefinition {
  id: string;
  group: IndicatorGroup;
  nameZh: string;
  nameEn: string;
  definition: string;
  unit: string;
  windowDays: number | null;
  halfLifeDays: number | null;
  kind: IndicatorKind;
  uses: readonly IndicatorUse[];
  /** the closed set of values of a categorical indicator */
  levels?: readonly string[];
}

const d = (def: IndicatorDefinition): IndicatorDefinition => def;

export const INDICATORS: readonly IndicatorDefinition[] = [
  // registration & disclosure
  d({ id: "category", group: "registration_disclosure", nameZh: "经营类别", nameEn: "Business category",
    definition: "category of the entity's shops (DESIGN §5 list); if shops differ, the one with the highest hazard weight",
    unit: "category", windowDays: null, halfLifeDays: null, kind: "categorical", uses: ["prior", "loss"] }),
  d({ id: "entity_type", group: "registration_disclosure", nameZh: "主体类型", nameEn: "Entity type",
    definition: "enterprise or individual, from the merchant record", unit: "category", windowDays: null,
    halfLifeDays: null, kind: "categorical", uses: ["evidence"], levels: ["enterprise", "individual"] }),
  d({ id: "has_uscc", group: "registration_disclosure", nameZh: "具有统一社会信用代码", nameEn: "Has a USCC",
    definition: "1 if the entity is keyed by a USCC with a valid GB 32100-2015 check character, else 0",
    unit: "flag", windowDays: null, halfLifeDays: null, kind: "flag", uses: ["evidence"] }),
  d({ id: "entity_age_days", group: "registration_disclosure", nameZh: "经营时长", nameEn: "Time in business",
    definition: "days from the earliest openedAt over the entity's shops (else the first event or record received) to T",
    unit: "days", windowDays: null, halfLifeDays: null, kind: "numeric", uses: ["evidence", "override"] }),
  d({ id: "disclosure_completeness", group: "registration_disclosure", nameZh: "信息公示完整度", nameEn: "Disclosure completeness",
    definition: "share of the optional merchant fields present on the latest record of each shop (uscc or idNumberHash, licences when the category needs one, url, openedAt), averaged over shops",
    unit: "share 0..1", windowDays: null, halfLifeDays: null, kind: "rate", uses: ["evidence"] }),
  d({ id: "record_changes_365d", group: "registration_disclosure", nameZh: "登记信息变更次数", nameEn: "Registration changes",
    definition: "merchant records received in [T-365d, T) that changed name, address or regionCode of an existing shop",
    unit: "count", windowDays: 365, halfLifeDays: null, kind: "count", uses: ["evidence"] }),
  // licensing
  d({ id: "licence_status", group: "licensing", nameZh: "许可证状态", nameEn: "Licence status",
    definition: "for categories needing a permit (food, drugs, medical_devices, cosmetics): revoked if a licence event with data.status='revoked' is the latest for that type; expired if the latest validUntil < T; expiring if < T+90d; valid otherwise; missing if none; not_required for other categories",
    unit: "category", windowDays: null, halfLifeDays: null, kind: "categorical", uses: ["evidence"],
    levels: ["valid", "expiring", "expired", "missing", "revoked", "not_required"] }),
  d({ id: "licence_revoked", group: "licensing", nameZh: "许可证被吊销", nameEn: "Licence revoked",
    definition: "1 if any licence's latest licence event before T has data.status='revoked', else 0",
    unit: "flag", windowDays: null, halfLifeDays: null, kind: "flag", uses: ["override"] }),
  d({ id: "licence_inconsistencies_365d", group: "licensing", nameZh: "许可信息不一致次数", nameEn: "Licence inconsistencies",
    definition: "licence events in [T-365d, T) whose number differs from the number of the same type on the merchant record, or whose data.registryMatch is false",
    unit: "count", windowDays: 365, halfLifeDays: null, kind: "count", uses: ["evidence"] }),
  // operations
  d({ id: "gmv_365d_cents", group: "operations", nameZh: "近一年交易额", nameEn: "Sales (GMV), last 12 months",
    definition: "sum of sales_summary data.gmvCents with periodEnd in [T-365d, T) (summaries reported in the last 1,095 days); NULL if there is no sales_summary in the window",
    unit: "cents", windowDays: 365, halfLifeDays: null, kind: "numeric", uses: ["evidence", "loss"] }),
  d({ id: "orders_365d", group: "operations", nameZh: "近一年订单量", nameEn: "Orders, last 12 months",
    definition: "sum of sales_summary data.orders with periodEnd in [T-365d, T) (summaries reported in the last 1,095 days); NULL if no sales_summary in the window",
    unit: "orders", windowDays: 365, halfLifeDays: null, kind: "numeric", uses: ["loss"] }),
  d({ id: "refund_rate_180d", group: "operations", nameZh: "退款率", nameEn: "Refund rate",
    definition: "sum(data.refunds) / sum(data.orders) over sales_summary with periodEnd in [T-180d, T) (reported in the last 1,095 days); NULL when orders are 0 or unknown",
    unit: "share 0..1", windowDays: 180, halfLifeDays: null, kind: "rate", uses: ["evidence"] }),
  d({ id: "dispute_rate_180d", group: "operations", nameZh: "退款纠纷率", nameEn: "Refund dispute rate",
    definition: "refund_dispute events in [T-180d, T), decayed with half-life 60 d, per 1,000 orders of the same window; NULL when orders are unknown",
    unit: "per 1,000 orders", windowDays: 180, halfLifeDays: 60, kind: "rate", uses: ["evidence"] }),
  d({ id: "platform_count", group: "operations", nameZh: "经营平台数", nameEn: "Platforms sold on",
    definition: "distinct platforms with an active shop for the entity at T", unit: "platforms",
    windowDays: null, halfLifeDays: null, kind: "count", uses: ["evidence", "loss"] }),
  d({ id: "region_count", group: "operations", nameZh: "经营区域数", nameEn: "Regions",
    definition: "distinct 6-digit regionCode over the entity's shops at T", unit: "regions",
    windowDays: null, halfLifeDays: null, kind: "count", uses: ["loss"] }),
  // performance history
  d({ id: "violations_365d", group: "performance_history", nameZh: "近一年确认违法次数", nameEn: "Confirmed violations, last 12 months",
    definition: "violation_confirmed events in [T-365d, T), decayed with half-life 180 d", unit: "decayed count",
    windowDays: 365, halfLifeDays: 180, kind: "count", uses: ["evidence"] }),
  d({ id: "violations_3y", group: "performance_history", nameZh: "近三年确认违法次数", nameEn: "Confirmed violations, last 3 years",
    definition: "violation_confirmed events in [T-1095d, T), plain count", unit: "count",
    windowDays: 1095, halfLifeDays: null, kind: "count", uses: ["evidence"] }),
  d({ id: "serious_violations_365d", group: "performance_history", nameZh: "近一年严重违法次数", nameEn: "Serious violations, last 12 months",
    definition: "violation_confirmed events in [T-365d, T) with data.severity='serious' (plain count); > 0 forces class D",
    unit: "count", windowDays: 365, halfLifeDays: null, kind: "count", uses: ["override"] }),
  d({ id: "penalties_3y", group: "performance_history", nameZh: "行政处罚", nameEn: "Administrative penalties",
    definition: "penalty events in [T-1095d, T), decayed with half-life 365 d", unit: "decayed count",
    windowDays: 1095, halfLifeDays: 365, kind: "count", uses: ["evidence"] }),
  d({ id: "takedowns_365d", group: "performance_history", nameZh: "平台下架处置", nameEn: "Platform takedowns",
    definition: "takedown events in [T-365d, T), decayed with half-life 180 d", unit: "decayed count",
    windowDays: 365, halfLifeDays: 180, kind: "count", uses: ["evidence"] }),
  d({ id: "rectifications_overdue_365d", group: "performance_history", nameZh: "整改逾期次数", nameEn: "Overdue rectifications",
    definition: "rectification cases whose deadline fell in [T-365d, T) and that were escalated as overdue; NULL when the entity had no rectification case opened before T (no record: the model's missing state)",
    unit: "count", windowDays: 365, halfLifeDays: null, kind: "count", uses: ["evidence"] }),
  // social evaluation
  d({ id: "complaints_90d", group: "social_evaluation", nameZh: "近期投诉", nameEn: "Recent complaints",
    definition: "complaint events in [T-90d, T), decayed with half-life 30 d", unit: "decayed count",
    windowDays: 90, halfLifeDays: 30, kind: "count", uses: ["evidence"] }),
  d({ id: "complaint_rate_365d", group: "social_evaluation", nameZh: "投诉率", nameEn: "Complaint rate",
    definition: "complaint events in [T-365d, T), decayed with half-life 90 d, per 1,000 orders of orders_365d; NULL when orders are unknown or 0",
    unit: "per 1,000 orders", windowDays: 365, halfLifeDays: 90, kind: "rate", uses: ["evidence"] }),
  d({ id: "reports_365d", group: "social_evaluation", nameZh: "举报", nameEn: "Reports to the regulator",
    definition: "report events in [T-365d, T), decayed with half-life 90 d", unit: "decayed count",
    windowDays: 365, halfLifeDays: 90, kind: "count", uses: ["evidence"] }),
  d({ id: "rating_avg_180d", group: "social_evaluation", nameZh: "平均评分", nameEn: "Average rating",
    definition: "mean of rating data.average weighted by data.count over rating events in [T-180d, T), scale 1..5; NULL without ratings",
    unit: "stars 1..5", windowDays: 180, halfLifeDays: null, kind: "numeric", uses: ["evidence"] }),
  // judicial
  d({ id: "litigation_365d", group: "judicial", nameZh: "涉诉案件", nameEn: "Litigation",
    definition: "litigation events in [T-365d, T), decayed with half-life 180 d", unit: "decayed count",
    windowDays: 365, halfLifeDays: 180, kind: "count", uses: ["evidence"] }),
  d({ id: "litigation_defendant_3y", group: "judicial", nameZh: "作为被告的案件", nameEn: "Cases as defendant",
    definition: "litigation events in [T-1095d, T) with data.role='defendant', plain count", unit: "count",
    windowDays: 1095, halfLifeDays: null, kind: "count", uses: ["evidence"] }),
  // relationships
  d({ id: "related_entities", group: "relationships", nameZh: "关联主体数", nameEn: "Related entities",
    definition: "distinct other entities sharing a legal representative, shareholder, registered address or phone at T",
    unit: "entities", windowDays: null, halfLifeDays: null, kind: "count", uses: ["evidence"] }),
  d({ id: "related_worst_class", group: "relationships", nameZh: "关联主体最差等级", nameEn: "Worst class among related entities",
    definition: "the worst current class (D > C > B > A) among related entities; 'none' when there are none; classes from the previous classification run (never the one in progress)",
    unit: "class", windowDays: null, halfLifeDays: null, kind: "categorical", uses: ["evidence"],
    levels: ["none", "A", "B", "C", "D"] }),
  d({ id: "related_violators_365d", group: "relationships", nameZh: "关联主体违法数", nameEn: "Related entities with violations",
    definition: "related entities (as in related_entities) with at least one violation_confirmed event in [T-365d, T)",
    unit: "entities", windowDays: 365, halfLifeDays: null, kind: "count", uses: ["evidence"] }),
  d({ id: "same_address_entities", group: "relationships", nameZh: "同址经营主体数", nameEn: "Entities at the same address",
    definition: "other entities whose normalised registered address equals this entity's", unit: "entities",
    windowDays: null, halfLifeDays: null, kind: "count", uses: ["evidence"] }),
];

/**
 * How far back event indicators look: the longest window in the catalogue (1,095 days). Events
 * older than this count only for time in business (the first event) and the licence status (the
 * latest licence event, whenever it was), so classification never re-reads a long history.
 * Sales summaries count by their period's end, among those reported within this lookback.
 */
/** The relationship indicators: what a partner's link or a related entity's class can change. */
export const RELATIONSHIP_INDICATOR_IDS: readonly string[] = INDICATORS.filter((d) => d.group === "relationships").map((d) => d.id);
export const EVENT_LOOKBACK_DAYS = Math.max(...INDICATORS.map((d) => d.windowDays ?? 0));

const byId = new Map(INDICATORS.map((i) => [i.id, i]));

export function indicatorById(id: string): IndicatorDefinition | undefined {
  return byId.get(id);
}

/** Ids of the indicators the naive-Bayes evidence reads, in catalogue order. */
export const EVIDENCE_INDICATOR_IDS: readonly string[] = INDICATORS.filter((i) => i.uses.includes("evidence")).map(
  (i) => i.id,
);
