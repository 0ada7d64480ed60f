// Keeps entity_tag current: after every classification (event-driven or a full run's chunk),
// in the same transaction, the indicator rows just computed are upserted — one statement per
// call, set-based. A screening then reads one narrow row per entity instead of its events.
import { sql } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import type { IndicatorRow } from "../scoring/index.js";

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
