// Reference implementation of the indicator catalogue over DESIGN §5 records for one entity.
// The classification layer computes the same values in SQL; this version defines them
// executably (the synthetic population uses it, and SQL results can be checked against it).
import { CATEGORY_HAZARD, LICENCE_REQUIRED_CATEGORIES } from "./categories.js";
import { EVENT_LOOKBACK_DAYS } from "./indicators.js";
import { isValidUscc } from "./uscc.js";
import type { CreditClass } from "./types.js";

export interface MerchantRecord {
  shopId: string;
  name: string;
  entityType: "enterprise" | "individual";
  uscc?: string;
  idNumberHash?: string;
  regionCode: string;
  address: string;
  category: string;
  licences?: { type: string; number: string; validUntil?: string }[];
  url?: string;
  openedAt?: string;
  /** the entity's registered establishment date, YYYY-MM-DD */
  establishedOn?: string;
}

export interface EventRecord {
  eventId: string;
  shopId: string;
  kind: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

/** A merchant record as the gateway holds it: which platform sent it and when. */
export interface HeldMerchantRecord {
  platformId: string;
  recordedAt: string;
  record: MerchantRecord;
}

export interface RelationshipFacts {
  relatedEntities: number;
  relatedWorstClass: CreditClass | "none";
  relatedViolators365d: number;
  sameAddressEntities: number;
}

export interface EntityHistory {
  merchants: readonly HeldMerchantRecord[];
  events: readonly EventRecord[];
  relationships?: RelationshipFacts;
  /** from the notice system; unknown -> null */
  rectificationsOverdue365d?: number | null;
}

export type ComputedIndicators = Record<string, number | string | null>;

const DAY = 86_400_000;

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

export function computeIndicators(h: EntityHistory, asOf: string): ComputedIndicators {
  const T = Date.parse(asOf);
  const ageDays = (iso: string) => (T - Date.parse(iso)) / DAY;
  const past = h.events.filter((e) => Date.parse(e.occurredAt) < T);
  // Event counts are unknown (null), not 0, for an entity with no event at all before T: a
  // platform that has sent nothing about a shop has not vouched for its record.
  const decayed = (kind: string, window: number, halfLife: number | null, where?: (e: EventRecord) => boolean): number | null => {
    if (past.length === 0) return null;
    let s = 0;
    for (const e of past) {
      if (e.kind !== kind || (where && !where(e))) continue;
      const a = ageDays(e.occurredAt);
      if (a > window) continue;
      s += halfLife === null ? 1 : 0.5 ** (a / halfLife);
    }
    return s;
  };

  // latest record per shop, and registration changes
  const held = h.merchants.filter((m) => Date.parse(m.recordedAt) < T).sort((a, b) => Date.parse(a.recordedAt) - Date.parse(b.recordedAt));
  const latest = new Map<string, HeldMerchantRecord>();
  let changes = 0;
  for (const m of held) {
    const key = `${m.platformId}/${m.record.shopId}`;
    const prev = latest.get(key);
    if (prev && ageDays(m.recordedAt) <= 365) {
      const a = prev.record;
      const b = m.record;
      if (a.name !== b.name || a.address !== b.address || a.regionCode !== b.regionCode) changes++;
    }
    latest.set(key, m);
  }
  const shops = [...latest.values()];
  const records = shops.map((s) => s.record);
  const category =
    records.map((r) => r.category).sort((a, b) => (CATEGORY_HAZARD[b as "food"] ?? 0) - (CATEGORY_HAZARD[a as "food"] ?? 0) || (a < b ? -1 : 1))[0] ?? null;
  const needsLicence = category !== null && LICENCE_REQUIRED_CATEGORIES.has(category);

  // licences: merchant-record licences as the baseline, licence events override by type
  const licence = new Map<string, { number: string; validUntil?: string; revoked: boolean }>();
  for (const r of records) for (const l of r.licences ?? []) licence.set(l.type, { number: l.number, validUntil: l.validUntil, revoked: false } as never);
  const recordNumbers = new Map(records.flatMap((r) => (r.licences ?? []).map((l) => [l.type, l.number] as const)));
  let inconsistencies = 0;
  const licenceEvents = past.filter((e) => e.kind === "licence").sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
  for (const e of licenceEvents) {
    const type = String(e.data.type ?? "");
    const number = String(e.data.number ?? "");
    const validUntil = typeof e.data.validUntil === "string" ? e.data.validUntil : undefined;
    licence.set(type, { number, validUntil, revoked: e.data.status === "revoked" } as never);
    if (ageDays(e.occurredAt) <= 365) {
      const onRecord = recordNumbers.get(type);
      if (e.data.registryMatch === false || (onRecord !== undefined && onRecord !== number)) inconsistencies++;
    }
  }
  const licences = [...licence.values()];
  const revoked = licences.some((l) => l.revoked);
  let licenceStatus: string;
  if (!needsLicence) licenceStatus = revoked ? "revoked" : "not_required";
  else if (revoked) licenceStatus = "revoked";
  else if (licences.length === 0) licenceStatus = "missing";
  else {
    const until = licences.map((l) => (l.validUntil ? Date.parse(l.validUntil) : Infinity)).reduce((a, b) => Math.max(a, b), -Infinity);
    licenceStatus = until < T ? "expired" : until < T + 90 * DAY ? "expiring" : "valid";
  }

  // sales by periodEnd, among the summaries reported within the lookback
  const sales = (window: number) => {
    let orders = 0;
    let gmv = 0;
    let refunds = 0;
    let seen = 0;
    for (const e of past) {
      if (e.kind !== "sales_summary" || typeof e.data.periodEnd !== "string" || ageDays(e.occurredAt) > EVENT_LOOKBACK_DAYS) continue;
      const a = ageDays(e.data.periodEnd);
      if (a <= 0 || a > window) continue;
      seen++;
      orders += num(e.data.orders);
      gmv += num(e.data.gmvCents);
      refunds += num(e.data.refunds);
    }
    return { orders, gmv, refunds, seen };
  };
  const s365 = sales(365);
  const s180 = sales(180);
  let ratingSum = 0;
  let ratingCount = 0;
  for (const e of past) {
    if (e.kind !== "rating" || ageDays(e.occurredAt) > 180) continue;
    const c = num(e.data.count) || 1;
    ratingSum += num(e.data.average) * c;
    ratingCount += c;
  }

  // Time in business: from the registered establishment date (a registry fact: the first record
  // that carries one, whenever it arrived), else from the earliest shop opening or event held.
  const established = [...h.merchants].sort((a, b) => Date.parse(a.recordedAt) - Date.parse(b.recordedAt))
    .map((m) => m.record.establishedOn).find((x): x is string => typeof x === "string");
  const earliest = [
    ...records.map((r) => r.openedAt).filter((x): x is string => typeof x === "string").map(Date.parse),
    ...past.map((e) => Date.parse(e.occurredAt)),
  ];
  const firstSeen = established !== undefined ? Date.parse(established) : earliest.length > 0 ? Math.min(...earliest) : NaN;
  const completeness = records.length === 0 ? null :
    records.reduce((sum, r) => {
      const fields = [Boolean(r.uscc || r.idNumberHash), Boolean(r.url), Boolean(r.openedAt)];
      if (needsLicence) fields.push((r.licences ?? []).length > 0);
      return sum + fields.filter(Boolean).length / fields.length;
    }, 0) / records.length;

  const rel = h.relationships;
  return {
    category,
    entity_type: records.some((r) => r.entityType === "enterprise") ? "enterprise" : records.length > 0 ? "individual" : null,
    has_uscc: records.some((r) => typeof r.uscc === "string" && isValidUscc(r.uscc)) ? 1 : 0,
    entity_age_days: Number.isNaN(firstSeen) ? null : Math.max(0, Math.floor((T - firstSeen) / DAY)),
    disclosure_completeness: completeness,
    record_changes_365d: changes,
    licence_status: licenceStatus,
    licence_revoked: revoked ? 1 : 0,
    licence_inconsistencies_365d: inconsistencies,
    gmv_365d_cents: s365.seen > 0 ? s365.gmv : null,
    orders_365d: s365.seen > 0 ? s365.orders : null,
    refund_rate_180d: s180.orders > 0 ? s180.refunds / s180.orders : null,
    dispute_rate_180d: s180.orders > 0 ? (1000 * (decayed("refund_dispute", 180, 60) ?? 0)) / s180.orders : null,
    platform_count: new Set(shops.map((s) => s.platformId)).size,
    region_count: new Set(records.map((r) => r.regionCode)).size,
    violations_365d: decayed("violation_confirmed", 365, 180),
    violations_3y: decayed("violation_confirmed", 1095, null),
    serious_violations_365d: decayed("violation_confirmed", 365, null, (e) => e.data.severity === "serious"),
    penalties_3y: decayed("penalty", 1095, 365),
    takedowns_365d: decayed("takedown", 365, 180),
    rectifications_overdue_365d: h.rectificationsOverdue365d ?? null,
    complaints_90d: decayed("complaint", 90, 30),
    complaint_rate_365d: s365.orders > 0 ? (1000 * (decayed("complaint", 365, 90) ?? 0)) / s365.orders : null,
    reports_365d: decayed("report", 365, 90),
    rating_avg_180d: ratingCount > 0 ? ratingSum / ratingCount : null,
    litigation_365d: decayed("litigation", 365, 180),
    litigation_defendant_3y: decayed("litigation", 1095, null, (e) => e.data.role === "defendant"),
    related_entities: rel ? rel.relatedEntities : 0,
    related_worst_class: rel ? rel.relatedWorstClass : "none",
    related_violators_365d: rel ? rel.relatedViolators365d : 0,
    same_address_entities: rel ? rel.sameAddressEntities : 0,
  };
}
