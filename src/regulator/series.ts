// The overview's time series (GET /v1/regulator/overview/series): per Beijing calendar day,
// class changes up and down (class_change, by the entity's region when it changed), sandbox
// admissions and removals (fence_audit, by the entity's current region — as the member
// list scopes), warnings raised and notices issued (by their own region), inside the caller's
// scope. One statement over a bounded window (<= 366 days): fence_audit is read through its
// index on `at` (class_change likewise), notices through (issued_at, id), warnings by the status/region index's table
// (warnings are thousands a month city-wide). Days with nothing are filled with zeros here.
import { sql, type SQL } from "drizzle-orm";
import { authorize, regulator } from "../auth/authorize.js";
import type { Actor } from "../auth/actor.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { DAY_MS } from "../db/time.js";
import type { components } from "../generated/openapi.js";

export type RegulatorSeries = components["schemas"]["RegulatorSeries"];
type Point = RegulatorSeries["points"][number];

export const SERIES_TIME_ZONE = "Asia/Shanghai";
/** Beijing is UTC+8 all year (no daylight saving): a calendar day there starts at 16:00 UTC the day before. */
const BEIJING_OFFSET_MS = 8 * 3_600_000;

/** The Beijing calendar day of a timestamptz, by the fixed offset (no time-zone database needed, PGlite included). */
const beijingDay = (column: SQL) => sql`((${column} at time zone 'UTC') + interval '8 hours')::date`;
const beijingDate = (t: number) => new Date(t + BEIJING_OFFSET_MS).toISOString().slice(0, 10);

export async function regulatorSeries(ctx: { db: Database; clock: Clock; actor: Actor }, input: { region?: string | undefined; days?: number | undefined }): Promise<RegulatorSeries> {
  const prefix = authorize(ctx.actor, regulator("viewer", input.region)).scope;
  const deps = ctx;
  const days = input.days ?? 90;
  const now = deps.clock.now().getTime();
  const to = beijingDate(now);
  const fromMs = Date.parse(`${to}T00:00:00+08:00`) - (days - 1) * DAY_MS;
  const dates = Array.from({ length: days }, (_, i) => beijingDate(fromMs + i * DAY_MS));
  const points = new Map<string, Point>(dates.map((date) => [date, { date, admitted: 0, removed: 0, warningsRaised: 0, noticesIssued: 0, classUp: 0, classDown: 0 }]));
  if (prefix !== null) {
    const from = new Date(fromMs).toISOString();
    const rows = await deps.db.rows<{ k: keyof Omit<Point, "date">; d: string; n: number | string }>(sql`
      with fa as (
        select ${beijingDay(sql`f.at`)} as d, f.action, count(*) as n
        from fence_audit f join entity e on e.id = f.entity_id
        where f.at >= ${from}::timestamptz and starts_with(e.region_code, ${prefix})
        group by 1, 2
      )
      select case action when 'admitted' then 'admitted' else 'removed' end as k, d::text as d, n from fa
      union all
      select 'warningsRaised', ${beijingDay(sql`first_hit_at`)}::text, count(*)
      from warning where first_hit_at >= ${from}::timestamptz and starts_with(region_code, ${prefix}) group by 2
      union all
      select 'noticesIssued', ${beijingDay(sql`issued_at`)}::text, count(*)
      from notice where issued_at >= ${from}::timestamptz and starts_with(region_code, ${prefix}) group by 2
      union all
      -- Classes A < B < C < D sort as text: a later letter is a higher risk.
      select case when to_class > from_class then 'classUp' else 'classDown' end, ${beijingDay(sql`at`)}::text, count(*)
      from class_change where at >= ${from}::timestamptz and starts_with(region_code, ${prefix}) group by 1, 2`);
    for (const r of rows) {
      const p = points.get(r.d);
      if (p) p[r.k] += Number(r.n);
    }
  }
  return { region: prefix ?? "", days, timeZone: SERIES_TIME_ZONE, from: dates[0]!, to, points: [...points.values()] };
}
