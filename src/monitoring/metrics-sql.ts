// The set-based reads of an evaluation: ONE statement for every event-window and growth metric
// of every enabled rule over the whole id list, and ONE for the entity attributes (category,
// region, type, sandbox status, prohibited type). Plain SQL, identical on PGlite and PostgreSQL.
import { sql } from "drizzle-orm";
import { rowsOf, type Executor } from "../db/client.js";
import type { EventsSpec, GrowthSpec, Scalar } from "./rule-language.js";

const DAY_MS = 86_400_000;
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
  /** Keep event references (the windows evidence points at; not growth baselines). */
  refs: boolean;
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
  refs: EventRef[];
}

const dataField = (f: string) => f.replace(/^data\./, "");

/** Windows for an events metric and for the two halves of a growth metric. */
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
    refs: true,
  };
}

export function growthWindows(i: number, g: GrowthSpec, asOf: Date): [WindowSpec, WindowSpec] {
  const T = asOf.getTime();
  const cut = new Date(T - g.recentDays * DAY_MS).toISOString();
  const base = { kind: g.kind, field: null, eq: null, total: null };
  return [
    { ...base, i, since: cut, until: asOf.toISOString(), refs: true },
    { ...base, i: i + 1, since: new Date(T - (g.recentDays + g.baselineDays) * DAY_MS).toISOString(), until: cut, refs: false },
  ];
}

/** entity id -> window index -> result (absent = no events). */
export async function computeWindows(on: Executor, entityIds: readonly string[], windows: readonly WindowSpec[]): Promise<Map<string, Map<number, WindowResult>>> {
  const out = new Map<string, Map<number, WindowResult>>();
  if (entityIds.length === 0 || windows.length === 0) return out;
  const sorted = [...new Set(entityIds.map((x) => x.toLowerCase()))].sort();
  const since = windows.reduce((m, w) => (w.since < m ? w.since : m), windows[0]!.since);
  const until = windows.reduce((m, w) => (w.until > m ? w.until : m), windows[0]!.until);
  const kinds = [...new Set(windows.map((w) => w.kind))];
  // `eq` travels as jsonb, so a where-clause compares JSON values (1 = 1.0, "1" <> 1).
  const rows = rowsOf<{ entity_id: string; i: number; n: number; total: number; refs: unknown }>(
    await on.execute(sql`
      with ids as materialized (
        select (jsonb_array_elements_text(${JSON.stringify(sorted)}::jsonb))::uuid as entity_id
      ), specs as (
        select * from jsonb_to_recordset(${JSON.stringify(windows)}::jsonb)
          as s(i int, kind text, since timestamptz, until timestamptz, field text, eq jsonb, total text, refs boolean)
      ), hits as (
        select ev.entity_id, s.i, s.refs, ev.platform_event_id, ev.platform_id, ev.kind, ev.occurred_at,
          case when s.total is not null and jsonb_typeof(ev.data->s.total) = 'number' then (ev.data->>s.total)::float8 else 0 end as amount,
          row_number() over (partition by ev.entity_id, s.i order by ev.occurred_at desc, ev.id desc) as rn
        from event ev
        join ids on ids.entity_id = ev.entity_id
        join specs s on s.kind = ev.kind and ev.occurred_at >= s.since and ev.occurred_at < s.until
          and (s.field is null or ev.data->s.field = s.eq)
        where ev.occurred_at >= ${since}::timestamptz and ev.occurred_at < ${until}::timestamptz
          and ev.entity_id between ${sorted[0]!}::uuid and ${sorted.at(-1)!}::uuid
          and ev.kind in (select jsonb_array_elements_text(${JSON.stringify(kinds)}::jsonb))
      )
      select entity_id::text as entity_id, i, count(*)::int as n, coalesce(sum(amount), 0)::float8 as total,
        coalesce(jsonb_agg(jsonb_build_object('platformEventId', platform_event_id, 'kind', kind,
                   'occurredAt', extract(epoch from occurred_at)::float8, 'platformId', platform_id::text) order by rn)
                 filter (where refs and rn <= ${EVIDENCE_EVENTS}), '[]'::jsonb) as refs
      from hits group by entity_id, i`),
  );
  for (const r of rows) {
    let byWindow = out.get(r.entity_id);
    if (!byWindow) out.set(r.entity_id, (byWindow = new Map()));
    const refs = (typeof r.refs === "string" ? JSON.parse(r.refs) : r.refs) as Array<Omit<EventRef, "occurredAt"> & { occurredAt: number }>;
    byWindow.set(Number(r.i), {
      count: Number(r.n),
      total: Number(r.total),
      refs: refs.map((x) => ({ ...x, occurredAt: new Date(Math.round(Number(x.occurredAt) * 1000)).toISOString() })),
    });
  }
  return out;
}

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
 * the same window.
 */
export async function entityFacts(on: Executor, entityIds: readonly string[]): Promise<Map<string, EntityFacts>> {
  const out = new Map<string, EntityFacts>();
  if (entityIds.length === 0) return out;
  const rows = rowsOf<{ id: string; category: string; region_code: string; entity_type: string; sandbox: string; prohibited: boolean | string }>(
    await on.execute(sql`
      select e.id::text as id, e.category, e.region_code, e.entity_type, coalesce(m.status, 'outside') as sandbox,
        exists (select 1 from prohibited_business_type p where p.category = e.category and starts_with(e.region_code, p.region_prefix)) as prohibited
      from entity e
      left join sandbox_membership m on m.entity_id = e.id
      where e.id in (select (jsonb_array_elements_text(${JSON.stringify([...new Set(entityIds)])}::jsonb))::uuid)
      order by e.id for update of e`),
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
