// Screening queries: count, one keyset page, and the chunked walk the CSV export streams. Every
// statement is the catalogue's joins, the caller's region scope AND the compiled conditions;
// pages are keyset by entity id (UUIDv7: stable while entities arrive).
import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { decodeKeyset, encodeKeyset, UUID_PATTERN } from "../db/keyset.js";
import { itemByKey, SCREENING_FROM } from "./catalogue.js";
import { compileConditions, itemsOf, type Condition } from "./conditions.js";

/** Columns shown per row: the items a condition reads (jsonb_build_object takes 100 arguments). */
const MAX_TAG_COLUMNS = 40;

export interface ScreeningRow {
  entityId: string;
  name: string;
  uscc: string | null;
  regionCode: string;
  category: string;
  entityType: string;
  riskClass: "A" | "B" | "C" | "D" | null;
  sandboxStatus: "inside" | "outside" | "never";
  tags: Record<string, unknown>;
}

interface Row extends Record<string, unknown> {
  id: string;
  name: string;
  uscc: string | null;
  region_code: string;
  category: string;
  entity_type: string;
  risk_class: ScreeningRow["riskClass"];
  sandbox_status: ScreeningRow["sandboxStatus"];
  tags: Record<string, unknown> | string;
}

export interface Screening {
  /** The region prefix the caller may see ("" national); null: nothing is visible. */
  scope: string;
  conditions: Condition;
  now: Date;
}

function where(s: Screening): SQL {
  return sql`starts_with(e.region_code, ${s.scope}) and ${compileConditions(s.conditions, s.now)}`;
}

export async function countScreening(db: Database, s: Screening): Promise<number> {
  const [r] = await db.rows<{ n: number | string }>(sql`select count(*)::int as n from ${SCREENING_FROM} where ${where(s)}`);
  return Number(r?.n ?? 0);
}

export function tagColumns(cond: Condition): string[] {
  return itemsOf(cond).slice(0, MAX_TAG_COLUMNS);
}

/** Up to `limit` rows strictly after entity id `after`, in id order. */
export async function screeningRows(db: Database, s: Screening, after: string | null, limit: number): Promise<ScreeningRow[]> {
  const now = sql`${s.now.toISOString()}::timestamptz`;
  const keys = tagColumns(s.conditions);
  const tags = keys.length === 0 ? sql`'{}'::jsonb` : sql`jsonb_build_object(${sql.join(keys.map((k) => sql`${k}::text, ${itemByKey(k)!.expr(now)}`), sql`, `)})`;
  const rows = await db.rows<Row>(sql`
    select e.id::text as id, e.name, e.uscc, e.region_code, e.category, e.entity_type, e.risk_class,
      coalesce(sm.status, 'never') as sandbox_status, ${tags} as tags
    from ${SCREENING_FROM}
    where ${where(s)}${after === null ? sql`` : sql` and e.id > ${after}::uuid`}
    order by e.id
    limit ${limit}`);
  return rows.map((r) => ({
    entityId: r.id,
    name: r.name,
    uscc: r.uscc,
    regionCode: r.region_code,
    category: r.category,
    entityType: r.entity_type,
    riskClass: r.risk_class ?? null,
    sandboxStatus: r.sandbox_status,
    tags: typeof r.tags === "string" ? (JSON.parse(r.tags) as Record<string, unknown>) : r.tags,
  }));
}

export interface ScreeningPage {
  rows: ScreeningRow[];
  columns: string[];
  nextCursor: string | null;
}

export async function screeningPage(db: Database, s: Screening, cursor: string | undefined, limit: number): Promise<ScreeningPage> {
  const after = cursor === undefined ? null : decodeKeyset(cursor, [UUID_PATTERN])[0]!;
  const rows = await screeningRows(db, s, after, limit + 1);
  const page = rows.slice(0, limit);
  return { rows: page, columns: tagColumns(s.conditions), nextCursor: rows.length > limit ? encodeKeyset([page[page.length - 1]!.entityId]) : null };
}

/** Every matching row, `chunk` at a time (the export): never more than one chunk in memory. */
export async function* walkScreening(db: Database, s: Screening, chunk = 2000): AsyncGenerator<ScreeningRow[]> {
  let after: string | null = null;
  for (;;) {
    const rows = await screeningRows(db, s, after, chunk);
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < chunk) return;
    after = rows[rows.length - 1]!.entityId;
  }
}
