// The features query: every indicator of the catalogue (src/scoring/indicators.ts) for a list
// of entities as of T, in ONE set-based statement, agreeing with the reference implementation
// computeIndicators (src/scoring/compute-indicators.ts). Plain SQL that runs unchanged on
// PGlite and PostgreSQL. Notes on how it reads:
// - Two sources of entities: a list of ids (rescoring, training, small runs: each event partition
//   is probed per id along its entity index) or every entity matching a filter (full runs: one
//   sequential pass over the event rows, like a bare scan, hash-aggregated by entity).
// - Every event row is read ONCE and grouped by entity; each indicator is a FILTERed sum, so a
//   row evaluates only its own kind's expressions (window check, at most one power() each).
//   Measured on 2.2M events: as cheap as a bare pass over the rows (bench/results/reclassify.md).
// - Ages are exact: epoch(T - occurred_at) / 86,400; decayed counts are 0.5 ^ (age / half-life).
// - Event rows are read back EVENT_LOOKBACK_DAYS only (the longest window): the monthly
//   partitions before it are pruned, so a run or a rescore reads a few years, never the whole
//   history. What needs older events reads them elsewhere: the first event from its shops'
//   first_event_at (kept by a trigger on event), the latest licence event from licence_event.
// - Time in business (entity_age_days) counts from the entity's registered
//   establishment date, else from the earliest shop opening or event held.
// - Dates sent as 'YYYY-MM-DD' (periodEnd, validUntil) are UTC midnights, as Date.parse reads them.
// - Licence status is "the latest licence event", whenever it was: licence events come from
//   licence_event (their copy in one small table), not the main pass.
// - Event data as the API defines it (openapi EventRecord): a violation is serious when
//   data.serious is true, a rating's mean is data.score, a licence event carries data.status and
//   data.registryMatch. The reference's own spellings (severity='serious', average) are read
//   too, so both agree on the same facts.
// - sales_summary counts by data.periodEnd.
// - rectifications_overdue_365d comes from rectification_case (one grouped read per statement),
//   null for an entity that has had no case before T.
import { sql, type SQL } from "drizzle-orm";
import { recordChangesByEntity } from "./record-changes.js";
import { DAY_MS } from "../db/time.js";
import { EVENT_LOOKBACK_DAYS } from "../scoring/index.js";
import { countedEvent } from "../exchange/entity-claims.js";


/** A date or RFC 3339 date-time text as timestamptz; dates are UTC midnights. */
const utc = (x: SQL) => sql`(case when ${x} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' then (${x} || 'T00:00:00Z')::timestamptz else (${x})::timestamptz end)`;
/** A JSON value that is a number, else 0 (the reference's num()). */
const num = (v: SQL) => sql`(case jsonb_typeof(${v}) when 'number' then (${v})::float8 else 0 end)`;
/**
 * Epoch seconds of a JSON date ('YYYY-MM-DD', a UTC midnight as Date.parse reads it) or
 * RFC 3339 date-time; null otherwise. The date form is computed from ::date arithmetic: no
 * regex, no dependence on the session's time zone.
 */
const epochOfDate = (v: SQL) => sql`(case when jsonb_typeof(${v}) <> 'string' then null when length(${v}#>> '{}') = 10 then ((${v}#>> '{}')::date - date '1970-01-01')::float8 * 86400 else date_part('epoch', (${v}#>> '{}')::timestamptz) end)`;

/** rating weight: data.count, 1 when absent or 0 */
const ratingCount = sql`coalesce(nullif(${num(sql`data->'count'`)}, 0), 1)`;
/** rating: the API's data.score (the reference's data.average is read too) */
const score = sql`(case when jsonb_typeof(data->'score') = 'number' then (data->'score')::float8 when jsonb_typeof(data->'average') = 'number' then (data->'average')::float8 else 0 end)`;

/** Which entities: a list of ids, or every entity `e` matching a filter (null: all; full runs). */
export type FeatureSource = { entityIds: readonly string[] } | { scope: SQL | null };

export interface FeatureQueryInput {
  source: FeatureSource;
  asOf: Date;
  /** The instant whose shop records count (default asOf). */
  registeredAsOf?: Date;
  hazard: Record<string, number>;
  licenceRequired: readonly string[];
}

const NIL_UUID = "00000000-0000-0000-0000-000000000000";

/** The ids CTE and a range condition for event/shop scans (a list's range; none for a scope). */
function idsOf(source: FeatureSource): { ids: SQL; inRange: (col: SQL) => SQL; events: (col: SQL) => SQL } {
  if ("scope" in source) {
    // Every event row of the scope in one pass: no join for "all" (an event always has its
    // entity), a hashed semi-join on the scope's entities otherwise. The semi-join states the
    // filter again rather than reading the ids CTE: over a CTE the planner guesses 200 entities
    // and probes each partition's index once per entity (a five-platform scope of the whole
    // city: 187 s instead of a pass).
    const filter = source.scope;
    return {
      ids: sql`select e.id as entity_id from entity e where ${filter ?? sql`true`}`,
      inRange: () => sql`true`,
      events: (col) => (filter === null ? sql`true` : sql`${col} in (select e.id from entity e where ${filter})`),
    };
  }
  // Events are read by id (`= any(array)`: the (entity_id, kind, occurred_at) index probed per id
  // in each partition). An id-range scan hash-joined to the list was tried: it wins only when
  // the ids are consecutive AND the partitions are few; the ids a rescore drain holds are
  // scattered, and then every partition's range covered most of its rows (500 scattered ids,
  // 10M events over ~100 monthly partitions: 5.6-7 s by range, 1.4-2.1 s by id; 2,000
  // consecutive ids: 2.7 s vs 2.3 s). Shops keep the range (one small table, hashed).
  // Deduplicated here, not by DISTINCT in SQL: after a DISTINCT the planner estimates ONE id
  // and joins the CTEs by nested loops, quadratic in the chunk size.
  const sorted = [...new Set(source.entityIds.map((x) => x.toLowerCase()))].sort();
  const lo = sorted[0] ?? NIL_UUID;
  const hi = sorted.at(-1) ?? NIL_UUID;
  return {
    ids: sql`select (jsonb_array_elements_text(${JSON.stringify(sorted)}::jsonb))::uuid as entity_id`,
    inRange: (col) => sql`${col} between ${lo}::uuid and ${hi}::uuid`,
    events: (col) => sql`${col} = any(array(select entity_id from ids))`,
  };
}

export function featuresQuery(i: FeatureQueryInput): SQL {
  const T = i.asOf.getTime();
  const at = (days: number) => new Date(T - days * DAY_MS).toISOString();
  const t = sql`${new Date(T).toISOString()}::timestamptz`;
  const expiringBefore = sql`${new Date(T + 90 * DAY_MS).toISOString()}::timestamptz`;
  const { ids, inRange, events } = idsOf(i.source);
  const lookback = sql`${at(EVENT_LOOKBACK_DAYS)}::timestamptz`;
  // float8 throughout (numeric interval arithmetic per event row was a visible share of a run):
  // epoch seconds keep microseconds to ~1e-7 s, far inside the 1e-9 agreement with the reference.
  // date_part, not extract: extract(epoch ...) returns numeric since PostgreSQL 14 (slow per row).
  // T is a parameter, not part of the text: every call of the by-id statement has the same text,
  // so it is prepared once per connection (src/db/prepared.ts) instead of kept once per instant.
  const epochT = sql`${T / 1000}::float8`;
  const age = sql`((${epochT} - date_part('epoch', occurred_at)) / 86400)`;
  const weight = (window: number, halfLife: number | null, extra: SQL = sql`true`) =>
    sql`case when ${age} <= ${sql.raw(String(window))} and ${extra} then ${halfLife === null ? sql`1::float8` : sql`power(0.5::float8, ${age} / ${sql.raw(String(halfLife))})`} end`;
  // sales_summary counts by data.periodEnd: ages in (lo, hi] days.
  const periodAge = sql`((${epochT} - ${epochOfDate(sql`data->'periodEnd'`)}) / 86400)`;
  // A 'YYYY-MM-DD' periodEnd (what the API accepts) is compared as text against the first and
  // last dates whose UTC midnight falls in the window: no date parsing per row (a third of all
  // event rows are sales summaries, read by five indicators). Other forms take the exact path.
  const sales = (lo: number, hi: number) => {
    const latest = T - lo * DAY_MS; // midnight < latest
    const earliest = T - hi * DAY_MS; // midnight >= earliest
    const last = new Date(latest % DAY_MS === 0 ? latest - DAY_MS : latest).toISOString().slice(0, 10);
    const first = new Date(Math.ceil(earliest / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
    return sql`(case when length(data->>'periodEnd') = 10 and jsonb_typeof(data->'periodEnd') = 'string'
      then (data->>'periodEnd') collate "C" between ${first}::text and ${last}::text
      else ${periodAge} > ${sql.raw(String(lo))} and ${periodAge} <= ${sql.raw(String(hi))} end)`;
  };
  return sql`
with ids as materialized (
  ${ids}
), hz as (
  select key as category, value::float8 as hazard from jsonb_each_text(${JSON.stringify(i.hazard)}::jsonb)
), shops as materialized (
  -- the shops as held at T (the gateway keeps each shop's latest record)
  select s.id, s.entity_id, s.platform_id, s.region_code, s.category, s.record, s.created_at, coalesce(hz.hazard, 0) as hazard
  from shop s join ids on ids.entity_id = s.entity_id and ${inRange(sql`s.entity_id`)} left join hz on hz.category = s.category
  where s.created_at <= ${new Date(i.registeredAsOf ?? i.asOf).toISOString()}::timestamptz and s.link = 'corroborated'
), ent as materialized (
  select ids.entity_id, min(en.established_on) as established_on,
    (array_agg(s.category order by s.hazard desc, s.category collate "C" asc))[1] as category,
    count(s.id)::int as n_shops,
    bool_or(s.record->>'entityType' = 'enterprise') as any_enterprise,
    coalesce(bool_or(coalesce(s.record->>'uscc', '') <> ''), false) as has_uscc,
    min(case when coalesce(s.record->>'openedAt', '') <> '' then ${utc(sql`s.record->>'openedAt'`)} end) as first_opened,
    count(distinct s.platform_id)::int as platforms,
    count(distinct s.region_code)::int as regions
  from ids join entity en on en.id = ids.entity_id left join shops s on s.entity_id = ids.entity_id
  group by ids.entity_id
), ent2 as (
  select ent.*, coalesce(ent.category in (select jsonb_array_elements_text(${JSON.stringify(i.licenceRequired)}::jsonb)), false) as needs_licence
  from ent
), completeness as materialized (
  select s.entity_id, avg(
    ((case when coalesce(s.record->>'uscc', '') <> '' or coalesce(s.record->>'idNumberHash', '') <> '' then 1 else 0 end)
     + (case when coalesce(s.record->>'url', '') <> '' then 1 else 0 end)
     + (case when coalesce(s.record->>'openedAt', '') <> '' then 1 else 0 end)
     + (case when e.needs_licence and jsonb_typeof(s.record->'licences') = 'array' and jsonb_array_length(s.record->'licences') > 0 then 1 else 0 end)
    )::float8 / (case when e.needs_licence then 4 else 3 end)) as value
  from shops s join ent2 e on e.entity_id = s.entity_id
  group by s.entity_id
), record_licence as materialized (
  -- licences on the merchant records: the baseline per type (a later-recorded shop wins)
  select distinct on (s.entity_id, l.value->>'type') s.entity_id, l.value->>'type' as type, l.value->>'number' as number,
    l.value->>'validUntil' as valid_until
  from shops s cross join lateral jsonb_array_elements(case when jsonb_typeof(s.record->'licences') = 'array' then s.record->'licences' else '[]'::jsonb end) with ordinality as l(value, ord)
  order by s.entity_id, l.value->>'type', s.created_at desc, s.id desc, l.ord desc
), licence_events as materialized (
  -- licence_event: the licence events again, one small table (a trigger on event keeps it)
  select e.entity_id, e.event_id, e.occurred_at, e.data, coalesce(e.data->>'type', '') as type, coalesce(e.data->>'number', '') as number
  from licence_event e
  where e.occurred_at < ${t} and ${events(sql`e.entity_id`)} and ${countedEvent("e")}
), latest_licence_event as (
  -- the latest per type; of two at the same instant the later-received (ids are UUIDv7)
  select distinct on (entity_id, type) entity_id, type, data->>'status' = 'revoked' as revoked,
    case when jsonb_typeof(data->'validUntil') = 'string' then data->>'validUntil' end as valid_until
  from licence_events order by entity_id, type, occurred_at desc, event_id desc
), licences as (
  select coalesce(ev.entity_id, rl.entity_id) as entity_id,
    case when ev.entity_id is not null then ev.revoked else false end as revoked,
    case when ev.entity_id is not null then ev.valid_until else rl.valid_until end as valid_until
  from latest_licence_event ev full join record_licence rl on rl.entity_id = ev.entity_id and rl.type = ev.type
), licence_agg as materialized (
  select entity_id, count(*)::int as n, bool_or(revoked) as revoked,
    bool_or(coalesce(valid_until, '') = '') as unbounded,
    max(case when coalesce(valid_until, '') <> '' then ${utc(sql`valid_until`)} end) as until
  from licences group by entity_id
), inconsistencies as materialized (
  select le.entity_id, count(*)::int as n
  from licence_events le left join record_licence rl on rl.entity_id = le.entity_id and rl.type = le.type
  where le.occurred_at >= ${at(365)}::timestamptz
    and (le.data->'registryMatch' = 'false'::jsonb or (rl.number is not null and rl.number <> le.number))
  group by le.entity_id
), counts as materialized (
  -- Every event row once, grouped by entity only (grouping by entity AND kind cost more than
  -- all the arithmetic): each indicator is a FILTERed sum, so a row evaluates its own kind's
  -- few expressions and skips the rest after one comparison.
  select entity_id,
    coalesce(sum(${weight(90, 30)}) filter (where kind = 'complaint'), 0) as complaints_90d,
    coalesce(sum(${weight(365, 90)}) filter (where kind = 'complaint'), 0) as complaints_365d_decayed,
    coalesce(sum(${weight(180, 60)}) filter (where kind = 'refund_dispute'), 0) as disputes_180d_decayed,
    coalesce(sum(${weight(365, 180)}) filter (where kind = 'violation_confirmed'), 0) as violations_365d,
    coalesce(sum(${weight(1095, null)}) filter (where kind = 'violation_confirmed'), 0) as violations_3y,
    coalesce(sum(${weight(365, null, sql`(data->'serious' = 'true'::jsonb or data->>'severity' = 'serious')`)}) filter (where kind = 'violation_confirmed'), 0) as serious_violations_365d,
    coalesce(sum(${weight(1095, 365)}) filter (where kind = 'penalty'), 0) as penalties_3y,
    coalesce(sum(${weight(365, 180)}) filter (where kind = 'takedown'), 0) as takedowns_365d,
    coalesce(sum(${weight(365, 90)}) filter (where kind = 'report'), 0) as reports_365d,
    coalesce(sum(${weight(365, 180)}) filter (where kind = 'litigation'), 0) as litigation_365d,
    coalesce(sum(${weight(1095, null, sql`data->>'role' = 'defendant'`)}) filter (where kind = 'litigation'), 0) as litigation_defendant_3y,
    sum(case when ${age} <= 180 then ${score} * ${ratingCount} end) filter (where kind = 'rating') as rating_sum,
    sum(case when ${age} <= 180 then ${ratingCount} end) filter (where kind = 'rating') as rating_count,
    coalesce(sum(case when ${sales(0, 365)} then 1 end) filter (where kind = 'sales_summary'), 0)::int as sales_365_seen,
    coalesce(sum(case when ${sales(0, 365)} then ${num(sql`data->'orders'`)} end) filter (where kind = 'sales_summary'), 0) as orders_365,
    coalesce(sum(case when ${sales(0, 365)} then ${num(sql`data->'gmvCents'`)} end) filter (where kind = 'sales_summary'), 0) as gmv_365,
    coalesce(sum(case when ${sales(0, 180)} then ${num(sql`data->'orders'`)} end) filter (where kind = 'sales_summary'), 0) as orders_180,
    coalesce(sum(case when ${sales(0, 180)} then ${num(sql`data->'refunds'`)} end) filter (where kind = 'sales_summary'), 0) as refunds_180
  from event e
  where e.occurred_at < ${t} and e.occurred_at >= ${lookback} and ${events(sql`e.entity_id`)} and ${countedEvent("e")}
  group by entity_id
), first_events as materialized (
  -- The first counted event before T: the earliest first event of the entity's shops that count
  -- (a shop's first event, when before T, is its first before T). Every shop, whenever created:
  -- an event may predate its shop's record.
  select s.entity_id, min(s.first_event_at) as first_event
  from shop s
  where s.first_event_at < ${t} and s.link <> 'claimed' and ${events(sql`s.entity_id`)}
  group by s.entity_id
), rectifications as materialized (
  -- The notice system's record (src/notices): cases whose deadline fell in [T-365d, T) and that
  -- were escalated as overdue by T. An entity with no case opened before T has no record (null,
  -- the model's "missing"); one whose cases were all rectified in time has 0, which counts for it.
  select rc.entity_id,
    count(*) filter (where rc.escalated_at <= ${t} and rc.due_at >= ${at(365)}::timestamptz and rc.due_at < ${t})::int as overdue_365d
  from rectification_case rc
  where rc.opened_at < ${t} and ${events(sql`rc.entity_id`)}
  group by rc.entity_id
)
select e.entity_id::text as entity_id, e.category, e.needs_licence,
  case when e.any_enterprise then 'enterprise' when e.n_shops > 0 then 'individual' end as entity_type,
  case when e.has_uscc then 1 else 0 end as has_uscc,
  case when o.since is null then null else greatest(0, floor(extract(epoch from (${t} - o.since)) / 86400))::int end as entity_age_days,
  date_part('epoch', o.since) * 1000 as operating_since_ms,
  cp.value as disclosure_completeness,
  coalesce(la.n, 0) as licence_count, coalesce(la.revoked, false) as licence_revoked,
  case when coalesce(la.n, 0) = 0 then null when la.unbounded then 'valid' when la.until < ${t} then 'expired'
       when la.until < ${expiringBefore} then 'expiring' else 'valid' end as licence_validity,
  coalesce(inc.n, 0) as licence_inconsistencies_365d,
  coalesce(rcc.record_changes_365d, 0) as record_changes_365d,
  e.platforms as platform_count, e.regions as region_count,
  -- event counts: null with no counted event at all before T (unknown), 0 when every one is older than the lookback
  coalesce(c.complaints_90d, z.zero) as complaints_90d,
  coalesce(c.complaints_365d_decayed, z.zero) as complaints_365d_decayed,
  coalesce(c.disputes_180d_decayed, z.zero) as disputes_180d_decayed,
  coalesce(c.violations_365d, z.zero) as violations_365d,
  coalesce(c.violations_3y, z.zero) as violations_3y,
  coalesce(c.serious_violations_365d, z.zero) as serious_violations_365d,
  coalesce(c.penalties_3y, z.zero) as penalties_3y,
  coalesce(c.takedowns_365d, z.zero) as takedowns_365d,
  coalesce(c.reports_365d, z.zero) as reports_365d,
  coalesce(c.litigation_365d, z.zero) as litigation_365d,
  coalesce(c.litigation_defendant_3y, z.zero) as litigation_defendant_3y,
  c.rating_sum, c.rating_count, c.sales_365_seen, c.orders_365, c.gmv_365, c.orders_180, c.refunds_180,
  rec.overdue_365d as rectifications_overdue_365d
from ent2 e
left join counts c on c.entity_id = e.entity_id
left join first_events fe on fe.entity_id = e.entity_id
cross join lateral (select case when fe.first_event is not null then 0::float8 end as zero) z
-- time in business: the registered establishment date (a UTC midnight), else the earliest shop
-- opening or event held; never when the gateway first saw the entity
cross join lateral (
  select coalesce(to_timestamp((e.established_on - date '1970-01-01') * 86400::float8), least(e.first_opened, fe.first_event)) as since
) o
left join completeness cp on cp.entity_id = e.entity_id
left join licence_agg la on la.entity_id = e.entity_id
left join inconsistencies inc on inc.entity_id = e.entity_id
left join rectifications rec on rec.entity_id = e.entity_id
left join ${recordChangesByEntity(sql`ids`, i.asOf)} as rcc on rcc.entity_id = e.entity_id`;
}
