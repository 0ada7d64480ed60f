// Keeps entity_tag current: after every classification (event-driven or a full run's chunk),
// in the same transaction, the indicator rows just computed are upserted — one statement per
// call, set-based. A screening then reads one narrow row per entity instead of its events.
// An entity whose relationship indicators moved without changing anything that reads them is
// not classified again: only those four tags are rewritten (writeRelationshipTags).
import { sql } from "drizzle-orm";
import { rowsOf, type Executor } from "../db/client.js";
import { idList } from "../db/id-list.js";
import { RELATIONSHIP_INDICATOR_IDS, type IndicatorRow, type IndicatorValue } from "../scoring/index.js";

/** entity_tag's numeric columns: each is the classification indicator of the same name. */
export const NUMERIC_TAGS = [
  "entity_age_days", "disclosure_completeness", "record_changes_365d", "licence_inconsistencies_365d", "gmv_365d_cents",
  "orders_365d", "refund_rate_180d", "dispute_rate_180d", "platform_count", "region_count", "violations_365d", "violations_3y",
  "serious_violations_365d", "penalties_3y", "takedowns_365d", "rectifications_overdue_365d", "complaints_90d",
  "complaint_rate_365d", "reports_365d", "rating_avg_180d", "litigation_365d", "litigation_defendant_3y", "related_entities",
  "related_violators_365d", "same_address_entities",
] as const;

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const text = (v: unknown): string | null => (typeof v === "string" ? v : null);

export async function writeEntityTags(tx: Executor, input: { asOf: Date; indicators: ReadonlyMap<string, IndicatorRow> }): Promise<void> {
  if (input.indicators.size === 0) return;
  const rows = [...input.indicators].map(([id, r]) => {
    const out: Record<string, unknown> = { entity_id: id, licence_status: text(r.licence_status), related_worst_class: text(r.related_worst_class) };
    out.licence_revoked = r.licence_revoked === null || r.licence_revoked === undefined ? null : Number(r.licence_revoked) > 0;
    for (const k of NUMERIC_TAGS) out[k] = num(r[k]);
    return out;
  });
  const cols = ["entity_id", "licence_status", "related_worst_class", "licence_revoked", ...NUMERIC_TAGS];
  const types = ["uuid", "text", "text", "boolean", ...NUMERIC_TAGS.map(() => "float8")];
  const list = sql.raw(cols.join(", "));
  const defs = sql.raw(cols.map((c, k) => `${c} ${types[k]}`).join(", "));
  const updates = sql.raw(["as_of", ...cols.slice(1)].map((c) => `${c} = excluded.${c}`).join(", "));
  await tx.execute(sql`
    insert into entity_tag (as_of, ${list})
    select ${input.asOf.toISOString()}::timestamptz, ${list} from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(${defs})
    on conflict (entity_id) do update set ${updates}
    where entity_tag.as_of <= excluded.as_of`);
}

/** entity_tag's columns of the relationship indicators (each named as its indicator). */
const RELATIONSHIP_TAGS = RELATIONSHIP_INDICATOR_IDS.map((id) => ({ id, type: id === "related_worst_class" ? "text" : "float8" }));

/** The relationship indicators the entities' tags hold: as their latest classification, or a later recheck, found them. */
export async function relationshipTags(on: Executor, entityIds: readonly string[]): Promise<Map<string, IndicatorRow>> {
  const out = new Map<string, IndicatorRow>();
  if (entityIds.length === 0) return out;
  const cols = sql.raw(RELATIONSHIP_TAGS.map((c) => `t.${c.id}`).join(", "));
  const rows = rowsOf<Record<string, unknown> & { entity_id: string }>(
    await on.execute(sql`select t.entity_id::text as entity_id, ${cols} from entity_tag t where t.entity_id in (select id from ${idList(entityIds)} as l)`),
  );
  for (const r of rows) {
    const row: Record<string, IndicatorValue> = {};
    for (const c of RELATIONSHIP_TAGS) row[c.id] = c.type === "text" ? text(r[c.id]) : num(r[c.id]);
    out.set(r.entity_id, row);
  }
  return out;
}

/**
 * Records new relationship indicators of entities that were not classified again (nothing that
 * reads them decides differently): screenings filter on the current values. The rest of each
 * row stays as its classification wrote it, and a later classification's upsert replaces all.
 */
export async function writeRelationshipTags(on: Executor, asOf: Date, rows: ReadonlyMap<string, IndicatorRow>): Promise<void> {
  if (rows.size === 0) return;
  const values = [...rows].map(([id, r]) => {
    const out: Record<string, unknown> = { entity_id: id };
    for (const c of RELATIONSHIP_TAGS) out[c.id] = c.type === "text" ? text(r[c.id]) : num(r[c.id]);
    return out;
  });
  const defs = sql.raw(["entity_id uuid", ...RELATIONSHIP_TAGS.map((c) => `${c.id} ${c.type}`)].join(", "));
  const sets = sql.raw(RELATIONSHIP_TAGS.map((c) => `${c.id} = r.${c.id}`).join(", "));
  // Never over a classification newer than these values (as_of stays that classification's).
  await on.execute(sql`
    update entity_tag t set ${sets}
    from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as r(${defs})
    where t.entity_id = r.entity_id and t.as_of <= ${asOf.toISOString()}::timestamptz`);
}
