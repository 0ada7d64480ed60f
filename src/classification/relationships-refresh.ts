// Keeps the relationship graph current: refreshLinks(on, ids) recomputes every link that the
// data of these entities can make or break, set-based, in the caller's transaction. Called by
// the rescore path before features, so a changed record is in the graph when the entity (and,
// through relatedEntityIds, its relatives) is scored.
//
// The graph is a bipartite one underneath: entities hold KEYS in four spaces —
//   person  : a person's HMAC (shop.legal_representative_hash, entity.id_number_hash of an
//             individual seller = the person itself, a party_relation person),
//   uscc    : a company (entity.uscc = the company itself, a party_relation company),
//   phone   : shop.phone_hash,
//   address : (region_code, normalised registered address) from entity_address —
// and two entities sharing a key are linked (kind from the roles: investor > officer >
// legal_representative in the person/uscc spaces; phone; address).
//
// Cliques: n entities sharing one key make n(n-1)/2 pairs — 12.5M for 5,000 shops registered
// at one e-commerce park. So a key's group is expanded into pairwise links only up to a cap
// (LINK_GROUP_CAPS). Above it:
// - person/uscc: a STAR around the key's own entity, if it is one (the company that invests in
//   them all, the individual seller who is legal representative of them all): n-1 links, each
//   a real, direct relation; the members are not linked to each other;
// - phone/address: no links — an agency's phone or a registered-agent address says nothing
//   about a family; the address cluster still counts in same_address_entities (a count, read
//   from entity_address by index, never expanded).
// Cost per refreshed entity is bounded by cap² pairs per key it holds (50·49/2 at most).
//
// What refresh covers: links touching the given entities, and every link derived from a key
// they hold now or held before (old keys: their previous address and party relations, read
// before this refresh updates them, and the evidence of their current links). Known gap: a
// member leaving a group that was above the cap (so it had no links to name the key) does not
// bring the group's other members their links until one of them is refreshed.
import { sql, type SQL } from "drizzle-orm";
import { idList } from "../db/id-list.js";
import { rowsOf, type Executor } from "../db/client.js";
import { addressEvidenceSql, addressKeySql } from "./relationships-address.js";

/** Largest group of entities sharing one key that is expanded into pairwise links. */
export const LINK_GROUP_CAPS = { person: 50, uscc: 50, phone: 20, address: 10 } as const;

const CAPS = sql`(values ('person', ${LINK_GROUP_CAPS.person}::int), ('uscc', ${LINK_GROUP_CAPS.uscc}::int),
  ('phone', ${LINK_GROUP_CAPS.phone}::int), ('address', ${LINK_GROUP_CAPS.address}::int)) as caps(sp, cap)`;

/** Links touching these entities (both directions, through the primary key and entity_link_b). */
const touching = (ids: SQL) => sql`(
  select l.* from entity_link l join ${ids} i on l.entity_a = i.id
  union select l.* from entity_link l join ${ids} i on l.entity_b = i.id)`;

interface Key {
  sp: string;
  k: string;
  k2: string;
}

/**
 * Refreshes the graph around these entities; returns the OTHER entities whose links were added
 * or removed by it (their relationship indicators changed: they deserve a re-score too).
 */
export async function refreshLinks(on: Executor, entityIds: readonly string[], now: Date): Promise<string[]> {
  if (entityIds.length === 0) return [];
  const ids = idList(entityIds);
  const at = now.toISOString();
  // 1. Keys held before this refresh (data may have changed since the links were made).
  const old = rowsOf<Key>(
    await on.execute(sql`
      with ids as ${ids}
      select 'address' as sp, a.address_key as k, a.region_code as k2 from entity_address a join ids on a.entity_id = ids.id
      union select r.party_kind, r.party_key, '' from party_relation r join ids on r.entity_id = ids.id
      union select split_part(l.evidence, ':', 1), substr(l.evidence, strpos(l.evidence, ':') + 1), ''
        from ${touching(sql`ids`)} l where l.kind <> 'address'`),
  );

  // 2. Current address keys and platform-reported party relations of these entities.
  await on.execute(sql`
    insert into entity_address (entity_id, region_code, address_key, updated_at)
    select e.id, e.region_code, ${addressKeySql(sql`e.address`)}, ${at}::timestamptz from entity e where e.id in ${ids}
    on conflict (entity_id) do update set region_code = excluded.region_code, address_key = excluded.address_key, updated_at = excluded.updated_at
    where (entity_address.region_code, entity_address.address_key) is distinct from (excluded.region_code, excluded.address_key)`);
  await on.execute(sql`
    with ids as ${ids},
    want as (
      select distinct s.entity_id, p->>'role' as role, k.kind, k.key
      from shop s join ids on s.entity_id = ids.id and s.link = 'corroborated'
      cross join lateral jsonb_array_elements(case when jsonb_typeof(s.record->'relatedParties') = 'array' then s.record->'relatedParties' else '[]'::jsonb end) p
      cross join lateral (values ('uscc', p->>'uscc'), ('person', p->>'idNumberHash')) as k(kind, key)
      where k.key is not null and p->>'role' in ('investor', 'officer', 'legal_representative')
    ),
    gone as (
      delete from party_relation r using ids
      where r.entity_id = ids.id and r.source = 'platform'
        and not exists (select 1 from want w where w.entity_id = r.entity_id and w.role = r.role and w.kind = r.party_kind and w.key = r.party_key)
    )
    insert into party_relation (entity_id, role, party_kind, party_key, source, created_at)
    select entity_id, role, kind, key, 'platform', ${at}::timestamptz from want
    on conflict do nothing`);

  // 3. Every group those keys name, expanded (clique up to the cap, star above it), replaces
  //    the links that touch the entities or came from those keys.
  const changedPartners = await on.execute(sql`
    with ids as ${ids},
    own as (
      select 'person' as sp, s.legal_representative_hash as k, '' as k2 from shop s join ids on s.entity_id = ids.id where s.legal_representative_hash is not null and s.link = 'corroborated'
      union select 'phone', s.phone_hash, '' from shop s join ids on s.entity_id = ids.id where s.phone_hash is not null and s.link = 'corroborated'
      union select 'person', e.id_number_hash, '' from entity e join ids on e.id = ids.id where e.id_number_hash is not null
      union select 'uscc', e.uscc, '' from entity e join ids on e.id = ids.id where e.uscc is not null
      union select r.party_kind, r.party_key, '' from party_relation r join ids on r.entity_id = ids.id
      union select 'address', a.address_key, a.region_code from entity_address a join ids on a.entity_id = ids.id
    ),
    keys as (
      select sp, k, k2 from own
      union select sp, k, k2 from jsonb_to_recordset(${JSON.stringify(old)}::jsonb) as o(sp text, k text, k2 text)
    ),
    members as (
      select s.entity_id as e, keys.sp, keys.k, keys.k2, 'legal_representative' as role, 'platform' as src
        from keys join shop s on keys.sp = 'person' and s.legal_representative_hash = keys.k and s.link = 'corroborated'
      union all select s.entity_id, keys.sp, keys.k, keys.k2, 'phone', 'platform' from keys join shop s on keys.sp = 'phone' and s.phone_hash = keys.k and s.link = 'corroborated'
      union all select e.id, keys.sp, keys.k, keys.k2, 'self', 'platform' from keys join entity e on keys.sp = 'person' and e.id_number_hash = keys.k
      union all select e.id, keys.sp, keys.k, keys.k2, 'self', 'platform' from keys join entity e on keys.sp = 'uscc' and e.uscc = keys.k
      union all select r.entity_id, keys.sp, keys.k, keys.k2, r.role, r.source
        from keys join party_relation r on r.party_kind = keys.sp and r.party_key = keys.k
      union all select a.entity_id, keys.sp, keys.k, keys.k2, 'address', 'derived'
        from keys join entity_address a on keys.sp = 'address' and a.region_code = keys.k2 and a.address_key = keys.k
    ),
    -- One row per group with its members as arrays: pairs are made inside each group (at most
    -- cap² per small group, n per hub of a big one), never by joining members to members.
    groups as (
      select m.sp, m.k, m.k2, count(distinct m.e) <= min(caps.cap) as small,
        array_agg(m.e) as es, array_agg(m.role) as roles, array_agg(m.src) as srcs
      from members m join ${CAPS} on caps.sp = m.sp group by m.sp, m.k, m.k2
    ),
    joined as (
      select g.sp, g.k, g.k2, x.e, x.role, x.src, y.e as ye, y.role as yrole, y.src as ysrc
      from groups g
      cross join lateral unnest(g.es, g.roles, g.srcs) as x(e, role, src)
      cross join lateral unnest(g.es, g.roles, g.srcs) as y(e, role, src)
      where g.small and x.e < y.e
      union all
      select g.sp, g.k, g.k2, x.e, x.role, x.src, y.e, y.role, y.src
      from groups g
      cross join lateral (select * from unnest(g.es, g.roles, g.srcs) as u(e, role, src) where u.role = 'self') as x
      cross join lateral unnest(g.es, g.roles, g.srcs) as y(e, role, src)
      where not g.small and g.sp in ('person', 'uscc') and x.e <> y.e
    ),
    pairs as (
      select least(e, ye) as a, greatest(e, ye) as b,
        case when sp = 'phone' then 'phone' when sp = 'address' then 'address'
             when 'investor' in (role, yrole) then 'investor' when 'officer' in (role, yrole) then 'officer'
             else 'legal_representative' end as kind,
        case when sp = 'address' then 'derived' when 'cli' in (src, ysrc) then 'cli' else 'platform' end as source,
        case when sp = 'address' then ${addressEvidenceSql(sql`k2`, sql`k`)} else sp || ':' || k end as evidence
      from joined
    ),
    fresh as (
      select distinct on (a, b, kind) a, b, kind, source, evidence from pairs
      order by a, b, kind, (source = 'cli') desc, evidence
    ),
    evidence as (
      select distinct case when sp = 'address' then ${addressEvidenceSql(sql`k2`, sql`k`)} else sp || ':' || k end as ev from keys
    ),
    candidates as (
      select t.entity_a, t.entity_b, t.kind from ${touching(sql`ids`)} t
      union
      select l.entity_a, l.entity_b, l.kind from (select distinct e from members) m
        join entity_link l on l.entity_a = m.e join evidence v on v.ev = l.evidence
    ),
    doomed as (
      select entity_a, entity_b, kind from candidates
      except select a, b, kind from fresh
    ),
    stale as (
      delete from entity_link l using doomed d
      where l.entity_a = d.entity_a and l.entity_b = d.entity_b and l.kind = d.kind
      returning l.entity_a, l.entity_b
    ),
    -- New links inserted, existing ones updated only where their source or evidence changed: an
    -- upsert would lock every existing link of the groups (unchanged ones too) until commit, and
    -- drains refreshing entities of one group would queue behind each other for nothing.
    added as (
      insert into entity_link (entity_a, entity_b, kind, source, evidence, created_at)
      select a, b, kind, source, evidence, ${at}::timestamptz from fresh
      on conflict (entity_a, entity_b, kind) do nothing
      returning entity_a, entity_b
    ),
    restated as (
      update entity_link l set source = f.source, evidence = f.evidence
      from fresh f
      where l.entity_a = f.a and l.entity_b = f.b and l.kind = f.kind
        and (l.source, l.evidence) is distinct from (f.source, f.evidence)
    ),
    changed as (
      select entity_a, entity_b from stale
      union all select entity_a, entity_b from added
    )
    select distinct x::text as id from changed cross join lateral (values (entity_a), (entity_b)) as v(x)
    where x not in (select id from ids)`);
  return rowsOf<{ id: string }>(changedPartners).map((r) => r.id);
}
