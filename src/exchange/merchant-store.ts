// Set-based statements for merchant batches: entities found by USCC (or idNumberHash), created
// or updated in bulk, and shops upserted per (platform, shopId). Rows travel as one jsonb
// parameter per statement (jsonb_to_recordset): the same SQL on PostgreSQL and PGlite.
import { sql } from "drizzle-orm";
import { rowsOf, type Executor } from "../db/client.js";
import { REGISTERED_SHOP_FIELDS } from "../db/schema/shop-history.js";

export interface EntityData {
  id: string;
  uscc: string | null;
  h: string | null;
  name: string;
  type: "enterprise" | "individual";
  region: string;
  address: string;
  category: string;
  /** registration facts: filled in when unknown, never replaced */
  est: string | null;
  cap: number | null;
  auth: string | null;
}

const json = (v: unknown) => sql`${JSON.stringify(v)}::jsonb`;
/**
 * `= any(array(...))`, not `in (select ...)`: two IN-subqueries joined by OR were planned as a
 * scan of every entity with two hashed subplans (480 ms per merchant batch at 469k entities);
 * as arrays they are two index scans, OR'd as bitmaps (5 ms).
 */
const anyOf = (v: readonly string[]) => sql`any(array(select jsonb_array_elements_text(${JSON.stringify(v)}::jsonb)))`;

/** Entities holding any of these USCCs or ID-number hashes. */
export async function findEntities(on: Executor, usccs: readonly string[], hashes: readonly string[]): Promise<EntityData[]> {
  if (usccs.length === 0 && hashes.length === 0) return [];
  const result = await on.execute(sql`
    select id, uscc, id_number_hash as h, name, entity_type as type, region_code as region, address, category,
           established_on::text as est, registered_capital_cents::float8 as cap, registration_authority as auth
    from entity where uscc = ${anyOf(usccs)} or id_number_hash = ${anyOf(hashes)}`);
  return rowsOf<EntityData>(result);
}

/** Inserts new entities; one that lost a race to a concurrent insert is skipped (re-read it). */
export async function insertEntities(on: Executor, rows: readonly EntityData[], now: Date): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const result = await on.execute(sql`
    insert into entity (id, uscc, id_number_hash, name, entity_type, region_code, address, category,
                        established_on, registered_capital_cents, registration_authority, created_at, updated_at)
    select id, uscc, h, name, type, region, address, category, est, cap, auth, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz
    from jsonb_to_recordset(${json(rows)})
      as r(id uuid, uscc text, h text, name text, type text, region text, address text, category text, est date, cap bigint, auth text)
    on conflict do nothing
    returning id`);
  return new Set(rowsOf<{ id: string }>(result).map((r) => r.id));
}

/**
 * Overwrites entity data (last write wins); identifiers and registration facts are only filled
 * in, never replaced (a registry fact does not change because a second platform says otherwise).
 */
export async function updateEntities(on: Executor, rows: readonly EntityData[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  // Sorted by id so concurrent batches lock rows in the same order.
  const sorted = [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  await on.execute(sql`
    update entity e set
      uscc = coalesce(e.uscc, r.uscc), id_number_hash = coalesce(e.id_number_hash, r.h),
      name = r.name, entity_type = r.type, region_code = r.region, address = r.address, category = r.category,
      established_on = coalesce(e.established_on, r.est), registered_capital_cents = coalesce(e.registered_capital_cents, r.cap),
      registration_authority = coalesce(e.registration_authority, r.auth),
      updated_at = ${now.toISOString()}::timestamptz
    from jsonb_to_recordset(${json(sorted)})
      as r(id uuid, uscc text, h text, name text, type text, region text, address text, category text, est date, cap bigint, auth text)
    where e.id = r.id`);
}

export interface ShopRow {
  id: string;
  k: string;
  e: string;
  name: string;
  category: string;
  region: string;
  address: string;
  url: string | null;
  lr: string | null;
  ph: string | null;
  opened: string | null;
  lic: unknown;
  rec: unknown;
  /** Link to the entity (see entity-claims.ts) and why it is corroborated. */
  l: "corroborated" | "claimed";
  cb: string | null;
}

/** Upserts shops; returns the shop ids that were new or changed (identical resends are not). */
export async function upsertShops(on: Executor, platformId: string, rows: readonly ShopRow[], now: Date): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const result = await on.execute(sql`
    insert into shop (id, platform_id, platform_shop_id, entity_id, name, category, region_code, address, url,
                      legal_representative_hash, phone_hash, opened_at, licences, record, link, corroborated_by, corroborated_at,
                      created_at, updated_at)
    select id, ${platformId}::uuid, k, e, name, category, region, address, url, lr, ph, opened, lic, rec, l, cb,
           case when l = 'corroborated' then ${now.toISOString()}::timestamptz end,
           ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz
    from jsonb_to_recordset(${json(rows)}) as r(id uuid, k text, e uuid, name text, category text, region text, address text,
                                              url text, lr text, ph text, opened timestamptz, lic jsonb, rec jsonb, l text, cb text)
    on conflict (platform_id, platform_shop_id) do update set
      -- a link that stays corroborated keeps why and since when; a new one starts now
      corroborated_by = case when excluded.link = 'claimed' then null
        when shop.link = 'corroborated' and shop.entity_id = excluded.entity_id then shop.corroborated_by else excluded.corroborated_by end,
      corroborated_at = case when excluded.link = 'claimed' then null
        when shop.link = 'corroborated' and shop.entity_id = excluded.entity_id then shop.corroborated_at else excluded.corroborated_at end,
      link = excluded.link,
      entity_id = excluded.entity_id, name = excluded.name, category = excluded.category, region_code = excluded.region_code,
      address = excluded.address, url = excluded.url, legal_representative_hash = excluded.legal_representative_hash,
      phone_hash = excluded.phone_hash, opened_at = excluded.opened_at, licences = excluded.licences, record = excluded.record,
      version = shop.version + 1, updated_at = excluded.updated_at
    where shop.record is distinct from excluded.record or shop.entity_id is distinct from excluded.entity_id or shop.link is distinct from excluded.link
    returning platform_shop_id as k`);
  return new Set(rowsOf<{ k: string }>(result).map((r) => r.k));
}

export interface ShopState {
  entityId: string;
  same: boolean;
  link: ShopRow["l"];
}

/** For each shop id the platform already has: its entity and whether the stored record equals this one. */
export async function findShopStates(
  on: Executor,
  platformId: string,
  rows: ReadonlyArray<{ k: string; rec: unknown }>,
): Promise<Map<string, ShopState>> {
  const out = new Map<string, ShopState>();
  if (rows.length === 0) return out;
  const result = await on.execute(sql`
    select s.platform_shop_id as k, s.entity_id as e, (s.record = r.rec) as same, s.link as l
    from jsonb_to_recordset(${json(rows)}) as r(k text, rec jsonb)
    join shop s on s.platform_id = ${platformId}::uuid and s.platform_shop_id = r.k`);
  for (const r of rowsOf<{ k: string; e: string; same: boolean; l: ShopRow["l"] }>(result)) out.set(r.k, { entityId: r.e, same: r.same === true, link: r.l });
  return out;
}

// SQL over the registered fields, built once from constants (plain identifiers, checked).
const FIELD_LITERALS = REGISTERED_SHOP_FIELDS.map((f) => {
  if (!/^[A-Za-z]+$/.test(f)) throw new Error(`not a plain field name: ${f}`);
  return `'${f}'`;
});
/** The fields (as text[]) whose values differ, or are equal, between jsonb `a` and `b`. */
const fieldsWhere = (a: string, b: string, op: "is distinct from" | "is not distinct from") =>
  sql.raw(`array_remove(array[${FIELD_LITERALS.map((f) => `case when (${a}->${f}) ${op} (${b}->${f}) then ${f} end`).join(", ")}]::text[], null)`);
/** jsonb object of the registered fields of `a` (absent ones as JSON null). */
const registeredOf = (a: string) => sql.raw(`jsonb_build_object(${FIELD_LITERALS.map((f) => `${f}, ${a}->${f}`).join(", ")})`);

/**
 * Logs, in ONE statement, the registered-field changes (REGISTERED_SHOP_FIELDS) these records
 * make to the platform's EXISTING shops; call it in the batch's transaction just before
 * upsertShops. New shops and records equal on every registered field write nothing. The shops
 * are locked (in id order, so concurrent batches queue instead of deadlocking; NO KEY UPDATE,
 * the lock upsertShops's update takes anyway, so foreign-key checks are not blocked) and compared
 * with their latest committed record (under READ COMMITTED a row updated meanwhile is re-read
 * after the wait), so `before` is exactly what upsertShops then overwrites. A shop created by a
 * concurrent batch after this statement began is not seen: that rare race logs no change.
 * Returns the number of change rows written.
 */
export async function recordShopChanges(
  on: Executor,
  input: { platformId: string; batchId: string; receivedAt: Date; rows: ReadonlyArray<Pick<ShopRow, "k" | "e" | "rec">> },
): Promise<number> {
  if (input.rows.length === 0) return 0;
  // Only the registered fields travel: a smaller parameter to parse (absent fields stay absent).
  const rows = input.rows.map(({ k, e, rec }) => {
    const record = rec as Record<string, unknown>;
    return { k, e, rec: Object.fromEntries(REGISTERED_SHOP_FIELDS.flatMap((f) => (record[f] === undefined ? [] : [[f, record[f]]]))) };
  });
  // Each field compared once per row (the lateral `offset 0` keeps the planner from repeating the
  // expressions), plain expressions rather than a subquery per row; only the small before/after
  // objects are materialized and sorted, not the whole records.
  const result = await on.execute(sql`
    with held as materialized (
      select s.id as shop_id, r.e as entity_id, d.changed,
             ${registeredOf("s.record")} - d.same as before, ${registeredOf("r.rec")} - d.same as after
      from jsonb_to_recordset(${json(rows)}) as r(k text, e uuid, rec jsonb)
      join shop s on s.platform_id = ${input.platformId}::uuid and s.platform_shop_id = r.k
      cross join lateral (
        select ${fieldsWhere("s.record", "r.rec", "is distinct from")} as changed,
               ${fieldsWhere("s.record", "r.rec", "is not distinct from")} as same
        offset 0
      ) as d
      order by s.id
      for no key update of s
    )
    insert into shop_record_change (shop_id, batch_id, entity_id, platform_id, received_at, changed_fields, before, after)
    select shop_id, ${input.batchId}::uuid, entity_id, ${input.platformId}::uuid, ${input.receivedAt.toISOString()}::timestamptz,
           changed, before, after
    from held
    where cardinality(changed) > 0
    returning 1`);
  return rowsOf(result).length;
}
