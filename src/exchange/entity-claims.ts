// Who may speak for an entity. The first platform to register an entity is its corroborated
// source. Another platform's shop naming the same USCC (or ID-number hash) is only a claim —
// anyone can type a USCC — until it matches the entity's registered name AND the legal
// representative hash a corroborated source reported, or a regulator confirms it. A claimed
// shop is stored (the platform may send its events) but sees nothing of the entity, changes
// none of its data, gets none of its messages and its events count for nothing.
//
// Master data: name, region and category come from the entity's registration and are never
// moved by a platform's record; registration facts (establishment date, capital, authority) are
// filled in once by a corroborated source; every disagreement is recorded for regulators.
import { sql } from "drizzle-orm";
import { rowsOf, type Executor } from "../db/client.js";
import type { EntityData } from "./merchant-store.js";
import type { MerchantRecord } from "./records.js";

export type LinkState = "corroborated" | "claimed";
export type CorroboratedBy = "registered" | "platform" | "matched" | "regulator";

export interface EntitySources {
  /** Platforms holding a corroborated shop of the entity. */
  platforms: Set<string>;
  /** Legal representative hashes corroborated shops reported. */
  legalRepresentatives: Set<string>;
}

/** Corroborated sources of these entities (one query). */
export async function findEntitySources(on: Executor, entityIds: readonly string[]): Promise<Map<string, EntitySources>> {
  const out = new Map<string, EntitySources>();
  if (entityIds.length === 0) return out;
  const result = await on.execute(sql`
    select entity_id as e, platform_id as p, legal_representative_hash as lr from shop
    where link = 'corroborated' and entity_id in (select jsonb_array_elements_text(${JSON.stringify(entityIds)}::jsonb)::uuid)`);
  for (const r of rowsOf<{ e: string; p: string; lr: string | null }>(result)) {
    let s = out.get(r.e);
    if (!s) out.set(r.e, (s = { platforms: new Set(), legalRepresentatives: new Set() }));
    s.platforms.add(r.p);
    if (r.lr) s.legalRepresentatives.add(r.lr);
  }
  return out;
}

export const registeredNameOf = (r: MerchantRecord) => r.entityName ?? r.name;

/**
 * The link a platform's shop gets to an EXISTING entity: corroborated when the platform already
 * is a corroborated source of it, or when the record carries the entity's registered name and a
 * legal representative hash a corroborated source reported; otherwise claimed.
 */
export function linkToExisting(
  platformId: string,
  entity: Pick<EntityData, "name">,
  sources: EntitySources | undefined,
  record: MerchantRecord,
): { link: LinkState; by: CorroboratedBy | null } {
  if (sources?.platforms.has(platformId)) return { link: "corroborated", by: "platform" };
  const lr = record.legalRepresentativeHash;
  if (lr !== undefined && sources?.legalRepresentatives.has(lr) && registeredNameOf(record) === entity.name) return { link: "corroborated", by: "matched" };
  return { link: "claimed", by: null };
}

export interface MasterConflict {
  /** Platform shop id (the shop row is found by platform and shop id after the upsert). */
  k: string;
  e: string;
  region: string;
  field: "name" | "regionCode" | "category" | "establishedOn" | "registeredCapitalCents" | "registrationAuthority";
  ev: string | null;
  rv: string | null;
  link: LinkState;
}

/** The fields where a platform's record disagrees with the entity's master data. */
export function conflictsOf(k: string, entity: EntityData, record: MerchantRecord, link: LinkState): MasterConflict[] {
  const out: MasterConflict[] = [];
  const add = (field: MasterConflict["field"], ev: string | number | null, rv: string | number | undefined) => {
    if (rv === undefined || String(rv) === (ev === null ? null : String(ev))) return;
    // A registration fact the entity lacks is filled in (by a corroborated source), not a conflict.
    if (ev === null && link === "corroborated" && field !== "name" && field !== "regionCode" && field !== "category") return;
    out.push({ k, e: entity.id, region: entity.region, field, ev: ev === null ? null : String(ev), rv: String(rv), link });
  };
  add("name", entity.name, registeredNameOf(record));
  add("regionCode", entity.region, record.regionCode);
  add("category", entity.category, record.category);
  add("establishedOn", entity.est, record.establishedOn);
  add("registeredCapitalCents", entity.cap, record.registeredCapitalCents);
  add("registrationAuthority", entity.auth, record.registrationAuthority);
  return out;
}

/**
 * Records the conflicts (after the shops are upserted, so the shop rows exist); the same
 * disagreement of the same shop is recorded once.
 */
export async function recordMasterConflicts(
  on: Executor,
  input: { platformId: string; batchId: string; at: Date; rows: readonly MasterConflict[] },
): Promise<void> {
  if (input.rows.length === 0) return;
  await on.execute(sql`
    insert into entity_master_conflict (id, entity_id, region_code, platform_id, shop_id, batch_id, field, entity_value, reported_value, link, recorded_at)
    select gen_random_uuid(), r.e, r.region, ${input.platformId}::uuid, s.id, ${input.batchId}::uuid, r.field, r.ev, r.rv, r.link,
           ${input.at.toISOString()}::timestamptz
    from jsonb_to_recordset(${JSON.stringify(input.rows)}::jsonb) as r(k text, e uuid, region text, field text, ev text, rv text, link text)
    join shop s on s.platform_id = ${input.platformId}::uuid and s.platform_shop_id = r.k
    where not exists (
      select 1 from entity_master_conflict c
      where c.shop_id = s.id and c.field = r.field and c.entity_value is not distinct from r.ev and c.reported_value is not distinct from r.rv)`);
}

/**
 * SQL: the event row `alias` counts for its entity (its shop's link is not a mere claim).
 * NOT EXISTS, not NOT IN: the planner turns it into one anti-join above the partitions (or an
 * index probe per row), where NOT IN became a hashed subplan of every claimed shop built again
 * in each monthly partition's scan (at 178k claimed shops, 15 MB and a full read per partition).
 */
export const countedEvent = (alias: string) =>
  sql.raw(`not exists (select 1 from shop claimed where claimed.id = ${alias}.shop_id and claimed.link = 'claimed')`);
