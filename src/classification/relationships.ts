// The relationship indicators of the scoring catalogue, read from the relationship graph
// (entity_link, kept by refreshLinks in relationships-refresh.ts) and the address clusters
// (entity_address). One set-based statement for a whole list of entities.
//
// Semantics (src/scoring/indicators.ts):
// - related_entities: distinct entities linked to this one by any kind of link;
// - related_worst_class: the worst CURRENT class (entity.risk_class, D > C > B > A) among them;
//   'none' when none is linked or none of them is classified yet;
// - related_violators_365d: linked entities with a violation_confirmed event in [T-365d, T);
// - same_address_entities: other entities whose normalised registered address (and region)
//   equals this one's — counted from the cluster, however large; pairwise links exist only for
//   small clusters (see relationships-refresh.ts).
// The graph is the current one (links are kept current as data changes); T applies to the
// event window only.
import { sql, type SQL } from "drizzle-orm";
import { idList } from "../db/id-list.js";
import { rowsOf, type Executor } from "../db/client.js";
import { addressKeySql } from "./relationships-address.js";
import type { ComputeRelationshipIndicators, RelatedEntityIds, RelationshipIndicators, RiskClass } from "./contracts.js";
import { DAY_MS } from "../db/time.js";
import { countedEvent } from "../exchange/entity-claims.js";

export { refreshLinks, LINK_GROUP_CAPS } from "./relationships-refresh.js";
export { normaliseAddress } from "./relationships-address.js";

const CLASSES: readonly RiskClass[] = ["A", "B", "C", "D"];


/**
 * The body of a LATERAL subquery answering one row when the linked entity `o.o` had a confirmed
 * violation in [from, to), none otherwise.
 */
export type ViolationProbe = (from: string, to: string) => SQL;

/** Event rows `v` that count as a confirmed violation in [from, to). */
const violationIn = (from: string, to: string): SQL =>
  sql`v.kind = 'violation_confirmed' and ${countedEvent("v")} and v.occurred_at >= ${from}::timestamptz and v.occurred_at < ${to}::timestamptz`;

/** Probed per linked entity in the confirmed-violation index (LIMIT 1: never a scan of the window). */
const probeEvents: ViolationProbe = (from, to) => sql`select 1 as hit from event v where v.entity_id = o.o and ${violationIn(from, to)} limit 1`;

/** Window of related_violators_365d as of an instant: [asOf - 365 days, asOf). */
function violationWindow(asOf: Date): { from: string; to: string } {
  return { from: new Date(asOf.getTime() - 365 * DAY_MS).toISOString(), to: asOf.toISOString() };
}

/** The entities related_violators_365d counts as of an instant: one pass over the violation index. */
export function violatorsAsOf(asOf: Date): SQL {
  const { from, to } = violationWindow(asOf);
  return sql`select distinct v.entity_id as id from event v where ${violationIn(from, to)}`;
}

export const computeRelationshipIndicators: ComputeRelationshipIndicators = relationshipIndicatorsWith(probeEvents);

/**
 * The relationship indicators with a given way to tell violators: a full run looks them up in
 * the set it staged for its as-of instant (runs-stage.ts), where per-entity probes were most
 * of a chunk's relationship statement at city scale.
 */
export function relationshipIndicatorsWith(violations: ViolationProbe): ComputeRelationshipIndicators {
  return async (on, entityIds, asOf) => relationshipIndicators(on, entityIds, asOf, violations);
}

async function relationshipIndicators(on: Executor, entityIds: readonly string[], asOf: Date, violations: ViolationProbe): Promise<Map<string, RelationshipIndicators>> {
  const out = new Map<string, RelationshipIndicators>();
  if (entityIds.length === 0) return out;
  const { from, to } = violationWindow(asOf);
  // Shaped for the planner at any scale: each linked entity is asked about violations once,
  // each address cluster is counted once however many of its members are in the list, and
  // every per-entity piece is joined on the entity id.
  const result = await on.execute(sql`
    with ids as ${idList(entityIds)},
    rel as (
      select l.entity_a as s, l.entity_b as o from entity_link l join ids on l.entity_a = ids.id
      union
      select l.entity_b, l.entity_a from entity_link l join ids on l.entity_b = ids.id
    ),
    others as (
      select o.o, e.risk_class, v.hit is not null as violator
      from (select distinct o from rel) o
      join entity e on e.id = o.o
      left join lateral (${violations(from, to)}) v on true
    ),
    agg as (
      select r.s, count(*)::int as n,
        max(case f.risk_class when 'A' then 1 when 'B' then 2 when 'C' then 3 when 'D' then 4 end)::int as worst,
        (count(*) filter (where f.violator))::int as violators
      from rel r join others f on f.o = r.o group by r.s
    ),
    -- The address key as refreshLinks stored it (it runs whenever the entity's data changes,
    -- before its features); normalised here only for an entity it has not seen yet. counted:
    -- the entity is itself one of its cluster's rows, not an "other" entity.
    addr as (
      select e.id,
        case when ea.entity_id is null then e.region_code else ea.region_code end as r,
        case when ea.entity_id is null then ${addressKeySql(sql`e.address`)} else ea.address_key end as k,
        ea.entity_id is not null as counted
      from entity e join ids on e.id = ids.id left join entity_address ea on ea.entity_id = e.id
    ),
    clusters as materialized (
      select c.members, c.counted,
        (select count(*) from entity_address x where x.region_code = c.r and x.address_key = c.k)::int as n
      from (select r, k, array_agg(id) as members, array_agg(counted) as counted from addr group by r, k) c
    ),
    same as (
      select u.id, greatest(c.n - (case when u.counted then 1 else 0 end), 0)::int as n
      from clusters c cross join lateral unnest(c.members, c.counted) as u(id, counted)
    )
    select addr.id, coalesce(agg.n, 0) as n, agg.worst, coalesce(agg.violators, 0) as violators, coalesce(same.n, 0) as same_address
    from addr
    left join agg on agg.s = addr.id
    left join same on same.id = addr.id`);
  for (const r of rowsOf<{ id: string; n: number; worst: number | null; violators: number; same_address: number }>(result)) {
    out.set(r.id, {
      related_entities: Number(r.n),
      related_worst_class: r.worst === null ? "none" : (CLASSES[Number(r.worst) - 1] ?? "none"),
      related_violators_365d: Number(r.violators),
      same_address_entities: Number(r.same_address),
    });
  }
  return out;
}

/** Entities linked to any of these, the given ones excluded (whom a risk signal should reach). */
export const relatedEntityIds: RelatedEntityIds = async (on, entityIds) => {
  if (entityIds.length === 0) return [];
  const result = await on.execute(sql`
    with ids as ${idList(entityIds)}
    select distinct o from (
      select l.entity_b as o from entity_link l join ids on l.entity_a = ids.id
      union all
      select l.entity_a from entity_link l join ids on l.entity_b = ids.id
    ) r where o not in (select id from ids) order by o`);
  return rowsOf<{ o: string }>(result).map((r) => r.o);
};
