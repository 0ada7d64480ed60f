// record_changes_365d (src/scoring/indicators.ts): "merchant records received in [T-365d, T)
// that changed name, address or regionCode of an existing shop", read from shop_record_change
// (written by the merchant ingestion, src/exchange/merchant-store.ts recordShopChanges). Agrees
// with the reference computeIndicators (src/scoring/compute-indicators.ts): there a held record
// counts when the previous record of the same (platform, shopId) differs in one of those fields
// and the record was received at most 365 days before T; here each such record is one row.
import { sql, type SQL } from "drizzle-orm";
import { rowsOf, type Executor } from "../db/client.js";
import { DAY_MS } from "../db/time.js";

export const RECORD_CHANGES_WINDOW_DAYS = 365;
/** The registered fields whose change counts (shop_record_change.changed_fields holds more). */
export const COUNTED_RECORD_FIELDS = ["name", "address", "regionCode"] as const;

/**
 * A subquery `(entity_id uuid, record_changes_365d int)` for the entities of `ids` — any
 * from-item with an `entity_id uuid` column, e.g. sql`ids` for the features query's ids CTE —
 * with a row only for entities that have counted changes (left join it and coalesce to 0).
 * Served by the (entity_id, received_at) index: one range scan per entity.
 */
export function recordChangesByEntity(ids: SQL, asOf: Date): SQL {
  const T = asOf.getTime();
  const from = new Date(T - RECORD_CHANGES_WINDOW_DAYS * DAY_MS).toISOString();
  return sql`(
    select c.entity_id, count(*)::int as record_changes_365d
    from ${ids} as rc_ids
    join shop_record_change c on c.entity_id = rc_ids.entity_id
    where c.received_at >= ${from}::timestamptz and c.received_at < ${new Date(T).toISOString()}::timestamptz
      and c.changed_fields && array(select jsonb_array_elements_text(${JSON.stringify(COUNTED_RECORD_FIELDS)}::jsonb))
    group by c.entity_id
  )`;
}

/** record_changes_365d for each of the entities (0 when none), as of T; one statement. */
export async function recordChanges365d(on: Executor, entityIds: readonly string[], asOf: Date): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  // Deduplicated here rather than by DISTINCT in SQL, which would make the planner expect one id.
  const ids = [...new Set(entityIds.map((x) => x.toLowerCase()))];
  if (ids.length === 0) return out;
  const rows = rowsOf<{ entity_id: string; n: number | string }>(
    await on.execute(sql`
      with ids as materialized (select (jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))::uuid as entity_id)
      select ids.entity_id::text as entity_id, coalesce(rc.record_changes_365d, 0) as n
      from ids left join ${recordChangesByEntity(sql`ids`, asOf)} as rc on rc.entity_id = ids.entity_id`),
  );
  for (const r of rows) out.set(r.entity_id, Number(r.n));
  return out;
}
