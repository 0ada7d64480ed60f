// The set-based reads of an evaluation: ONE statement for every event-window and growth metric
// of every enabled rule over the whole id list, ONE for the entity attributes (category,
// region, type, sandbox status, prohibited type), and ONE for the newest events of the windows
// that fired a rule (the evidence). Plain SQL, identical on PGlite and PostgreSQL.
import { sql } from "drizzle-orm";
import { idList } from "../db/id-list.js";
import { rowsOf, type Executor } from "../db/client.js";
import type { EventsSpec, GrowthSpec, Scalar } from "./rule-language.js";
import { DAY_MS } from "../db/time.js";
import { countedEvent } from "../exchange/entity-claims.js";

/** Event references kept as evidence per metric. */
export const EVIDENCE_EVENTS = 20;

/** One windowed event aggregate to compute per entity. */
export interface WindowSpec {
  i: number;
  kind: string;
  since: string;
  until: string;
  field: string | null;
  eq: Scalar | null;
  total: string | null;
}

export interface EventRef {
  platformEventId: string;
  kind: string;
  occurredAt: string;
  platformId: string;
}

export interface WindowResult {
  count: number;
  total: number;
}

const dataField = (f: string) => f.replace(/^data\./, "");

/** Windows for an events metric and for the two halves of a growth metric (recent first). */
export function eventsWindow(i: number, e: EventsSpec, asOf: Date): WindowSpec {
  const T = asOf.getTime();
  return {
    i,
    kind: e.kind,
    since: new Date(T - e.days * DAY_MS).toISOString(),
    until: asOf.toISOString(),
    field: e.where ? dataField(e.where.field) : null,
    eq: e.where ? e.where.equals : null,
    total: e.measure && e.measure !== "count" ? dataField(e.measure.sum) : null,
  };
}

export function growthWindows(i: number, g: GrowthSpec, asOf: Date): [WindowSpec, WindowSpec] {
  const T = asOf.getTime();
  const cut = new Date(T - g.recentDays * DAY_MS).toISOString();
  const base = { kind: g.kind, field: null, eq: null, total: null };
  return [
    { ...base, i, since: cut, until: asOf.toISOString() },
    { ...base, i: i + 1, since: new Date(T - (g.recentDays + g.baselineDays) * DAY_MS).toISOString(), until: cut },
  ];
}

/** entity id -> window index -> count and sum (absent = no events). One statement. */
export async function computeWindows(on: Executor, entityIds: readonly string[], windows: readonly WindowSpec[]): Promise<Map<string, Map<number, WindowResult>>> {
  const out = new Map<string, Map<number, WindowResult>>();
  if (entityIds.length === 0 || windows.length === 0) return out;
  const sorted = [...new Set(entityIds.map((x) => x.toLowerCase()))].sort();
  const until = windows.reduce((m, w) => (w.until > m ? w.until : m), windows[0]!.until);
  // Per kind, the earliest instant any window of that kind reaches back to: each kind's events
  // are read only as far back as its longest window.
  const earliest = new Map<string, string>();
  for (const w of windows) if (!earliest.has(w.kind) || w.since < earliest.get(w.kind)!) earliest.set(w.kind, w.since);
  const since = [...earliest.values()].reduce((m, x) => (x < m ? x : m));
  const kindBounds = sql.join(
    [...earliest].map(([kind, from]) => sql`(ev.kind = ${kind} and ev.occurred_at >= ${from}::timestamptz)`),
    sql` or `,
  );
  // The ids as one array (`= any(...)`): each partition is probed per id along the
  // (entity_id, kind, occurred_at) index. Joined to the id list with a range condition instead,
  // the planner (estimating 100 ids and few events) chose a nested loop whose inner scan used
  // the id RANGE as its index condition: every id re-read the whole range's events, quadratic in
  // the chunk (1.2 s a chunk at 469k entities, ~15 ms this way). `eq` travels as jsonb, so a
  // where-clause compares JSON values (1 = 1.0, "1" <> 1). The events are read once into a
  // materialized CTE and then matched to the windows: joined directly, the planner (estimating
  // one spec row) put the specs outside and read every entity's events once per window.
  const rows = rowsOf<{ entity_id: string; i: number; n: number; total: number }>(
    await on.execute(sql`
      with ids as materialized (
        select (jsonb_array_elements_text(${JSON.stringify(sorted)}::jsonb))::uuid as entity_id
      ), specs as (
        select * from jsonb_to_recordset(${JSON.stringify(windows)}::jsonb)
          as s(i int, kind text, since timestamptz, until timestamptz, field text, eq jsonb, total text)
      )
      , ev as materialized (
        select ev.entity_id, ev.kind, ev.occurred_at, ev.data
        from event ev
        where ev.entity_id = any(array(select entity_id from ids))
          and ev.occurred_at >= ${since}::timestamptz and ev.occurred_at < ${until}::timestamptz
          and (${kindBounds})
          and ${countedEvent("ev")}
      )
      select ev.entity_id::text as entity_id, s.i, count(*)::int as n,
        coalesce(sum(case when s.total is not null and jsonb_typeof(ev.data->s.total) = 'number' then (ev.data->>s.total)::float8 else 0 end), 0)::float8 as total
      from ev
      join specs s on s.kind = ev.kind and ev.occurred_at >= s.since and ev.occurred_at < s.until
        and (s.field is null or ev.data->s.field = s.eq)
      group by ev.entity_id, s.i`),
  );
  for (const r of rows) {
    let byWindow = out.get(r.entity_id);
    if (!byWindow) out.set(r.entity_id, (byWindow = new Map()));
    byWindow.set(Number(r.i), { count: Number(r.n), total: Number(r.total) });
  }
  return out;
}

/**
 * The newest events (at most 20 each) of the windows that fired a rule, for its evidence: one
 * statement for all (entity, window) pairs, each read backwards along the
 * (entity_id, kind, occurred_at) index and stopped at 20. Hits are few, so this stays small
 * where counting every window's events for references would not.
 */
export async function windowEvents(
  on: Executor,
  pairs: ReadonlyArray<{ entityId: string; window: WindowSpec }>,
): Promise<Map<string, EventRef[]>> {
  const out = new Map<string, EventRef[]>();
  if (pairs.length === 0) return out;
  const list = pairs.map((p) => ({ e: p.entityId, ...p.window }));
  const rows = rowsOf<{ entity_id: string; i: number; platform_event_id: string; kind: string; occurred_at: Date | string; platform_id: string }>(
    await on.execute(sql`
      select p.e::text as entity_id, p.i, x.platform_event_id, x.kind, x.occurred_at, x.platform_id::text as platform_id
      from jsonb_to_recordset(${JSON.stringify(list)}::jsonb)
        as p(e uuid, i int, kind text, since timestamptz, until timestamptz, field text, eq jsonb)
      cross join lateral (
        select ev.platform_event_id, ev.kind, ev.occurred_at, ev.platform_id from event ev
        where ev.entity_id = p.e and ev.kind = p.kind and ${countedEvent("ev")} and ev.occurred_at >= p.since and ev.occurred_at < p.until
          and (p.field is null or ev.data->p.field = p.eq)
        order by ev.occurred_at desc, ev.id desc
        limit ${EVIDENCE_EVENTS}
      ) x
      order by p.e, p.i, x.occurred_at desc`),
  );
  for (const r of rows) {
    const key = windowEventsKey(r.entity_id, Number(r.i));
    let refs = out.get(key);
    if (!refs) out.set(key, (refs = []));
    refs.push({ platformEventId: r.platform_event_id, kind: r.kind, occurredAt: new Date(r.occurred_at).toISOString(), platformId: r.platform_id });
  }
  return out;
}

export const windowEventsKey = (entityId: string, window: number) => `${entityId}:${window}`;

export interface EntityFacts {
  id: string;
  category: string;
  regionCode: string;
  entityType: string;
  sandbox: "inside" | "outside";
  prohibited: boolean;
}

/**
 * Registered attributes, sandbox status (no membership row = outside) and prohibited-type hit.
 * Locks the entity rows (in id order, as classification does; a no-op inside its transaction,
 * which holds them already), so two evaluations of one entity cannot both raise a warning for
 * the same window. The lock is its own statement so that, after waiting for it, the facts read
 * the membership as committed then (a joined row in a FOR UPDATE statement keeps its first
 * snapshot; see sandbox/facts.ts).
 */
export async function entityFacts(on: Executor, entityIds: readonly string[], options: { lock?: boolean } = {}): Promise<Map<string, EntityFacts>> {
  const out = new Map<string, EntityFacts>();
  if (entityIds.length === 0) return out;
  const ids = idList(entityIds);
  // A dry run (what-if) decides nothing, so it reads without the lock.
  if (options.lock !== false) await on.execute(sql`select e.id from entity e where e.id in ${ids} order by e.id for no key update of e`);
  const rows = rowsOf<{ id: string; category: string; region_code: string; entity_type: string; sandbox: string; prohibited: boolean | string }>(
    await on.execute(sql`
      select e.id::text as id, e.category, e.region_code, e.entity_type, coalesce(m.status, 'outside') as sandbox,
        exists (select 1 from prohibited_business_type p where p.category = e.category and starts_with(e.region_code, p.region_prefix)) as prohibited
      from entity e
      left join sandbox_membership m on m.entity_id = e.id
      where e.id in ${ids}
      order by e.id`),
  );
  for (const r of rows) {
    out.set(r.id, {
      id: r.id,
      category: r.category,
      regionCode: r.region_code,
      entityType: r.entity_type,
      sandbox: r.sandbox === "inside" ? "inside" : "outside",
      prohibited: r.prohibited === true || r.prohibited === "t",
    });
  }
  return out;
}
