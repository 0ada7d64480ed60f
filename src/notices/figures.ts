// The figures regulators report (行政提示与整改统计): of the notices issued in [from, to) inside the
// caller's scope, how many were delivered, read, acknowledged, rectified (accepted), overdue
// (accepted after the deadline, or not accepted and the deadline passed) and escalated, with the
// rectification rate, grouped by region, platform or period. ONE statement per call: the
// matching notices once (a CTE), aggregated per group and in total.
//
// By platform a notice counts once under each platform it was sent to, and delivered/read are
// that platform's own delivery; the total counts each notice once, delivered/read by any
// platform (so the rows may add up to more than the total).
import { authorize, regulator } from "../auth/authorize.js";
import { sql, type SQL } from "drizzle-orm";
import { rowsOf } from "../db/client.js";
import type { components } from "../generated/openapi.js";
import { REGION_NAMES } from "../regulator/regions.js";
import type { RegulatorContext } from "./regulator-verbs.js";

export type NoticeFigures = components["schemas"]["NoticeFigures"];
type FigureRow = components["schemas"]["NoticeFigureRow"];

export interface FiguresInput {
  by: NoticeFigures["by"];
  period?: "day" | "week" | "month" | undefined;
  from?: string | undefined;
  to?: string | undefined;
  region?: string | undefined;
  platform?: string | undefined;
}

interface Row extends Record<string, unknown> {
  is_total: boolean | string;
  grp: string | null;
  label: string | null;
  issued: number | string;
  delivered: number | string;
  read: number | string;
  acknowledged: number | string;
  rectified: number | string;
  overdue: number | string;
  escalated: number | string;
}

/** The counts over rows of `base` (b), delivered/read from the given columns. */
const counts = (delivered: SQL, read: SQL) => sql`
  count(*)::int as issued,
  count(*) filter (where ${delivered} is not null)::int as delivered,
  count(*) filter (where ${read} is not null)::int as read,
  count(*) filter (where b.acknowledged_at is not null)::int as acknowledged,
  count(*) filter (where b.accepted_at is not null)::int as rectified,
  count(*) filter (where b.overdue)::int as overdue,
  count(*) filter (where b.escalated_at is not null)::int as escalated`;

export async function noticeFigures(ctx: RegulatorContext<"db" | "clock">, q: FiguresInput): Promise<NoticeFigures> {
  const prefix = authorize(ctx.actor, regulator("viewer", q.region)).scope;
  const from = q.from ? new Date(q.from).toISOString() : null;
  const to = q.to ? new Date(q.to).toISOString() : null;
  const head = { by: q.by, from, to };
  if (prefix === null) return { ...head, rows: [], total: figureRow(null, null, undefined) };
  const now = ctx.clock.now().toISOString();
  const where: SQL[] = [sql`starts_with(n.region_code, ${prefix})`];
  if (from) where.push(sql`n.issued_at >= ${from}::timestamptz`);
  if (to) where.push(sql`n.issued_at < ${to}::timestamptz`);
  if (q.platform) where.push(sql`exists (select 1 from notice_delivery d where d.notice_id = n.id and d.platform_id = ${q.platform}::uuid)`);
  const period = q.period ?? "month";
  const groups: SQL = {
    region: sql`
      select false as is_total, b.region_code as grp, null::text as label, ${counts(sql`b.first_delivered_at`, sql`b.first_read_at`)}
      from base b group by b.region_code`,
    period: sql`
      select false as is_total, to_char(date_trunc(${period}, b.issued_at at time zone 'UTC'), 'YYYY-MM-DD') as grp, null::text as label,
             ${counts(sql`b.first_delivered_at`, sql`b.first_read_at`)}
      from base b group by 2`,
    platform: sql`
      select false as is_total, d.platform_id::text as grp, min(p.name) as label, ${counts(sql`d.delivered_at`, sql`d.read_at`)}
      from base b join notice_delivery d on d.notice_id = b.id join platform p on p.id = d.platform_id
      ${q.platform ? sql`where d.platform_id = ${q.platform}::uuid` : sql``}
      group by d.platform_id`,
  }[q.by];
  const rows = rowsOf<Row>(
    await ctx.db.orm.execute(sql`
      with base as materialized (
        select n.id, n.region_code, n.issued_at, n.first_delivered_at, n.first_read_at,
               c.acknowledged_at, c.accepted_at, c.escalated_at,
               (c.accepted_at > c.due_at or (c.accepted_at is null and c.due_at <= ${now}::timestamptz)) as overdue
        from notice n join rectification_case c on c.notice_id = n.id
        where ${sql.join(where, sql` and `)}
      )
      ${groups}
      union all
      select true as is_total, null::text as grp, null::text as label, ${counts(sql`b.first_delivered_at`, sql`b.first_read_at`)} from base b`),
  );
  const isTotal = (r: Row) => r.is_total === true || r.is_total === "t" || r.is_total === "true";
  const groupRows = rows.filter((r) => !isTotal(r)).map((r) => figureRow(r.grp, q.by === "region" ? (REGION_NAMES[r.grp ?? ""] ?? null) : r.label, r));
  groupRows.sort(q.by === "platform" ? (a, b) => (a.label ?? "").localeCompare(b.label ?? "") || a.group.localeCompare(b.group) : (a, b) => a.group.localeCompare(b.group));
  return { ...head, rows: groupRows, total: figureRow(null, null, rows.find(isTotal)) };
}

function figureRow(group: string | null, label: string | null, r: Row | undefined): FigureRow {
  const n = (v: number | string | undefined) => Number(v ?? 0);
  const issued = n(r?.issued);
  const rectified = n(r?.rectified);
  return {
    group: group ?? "total",
    label,
    issued,
    delivered: n(r?.delivered),
    read: n(r?.read),
    acknowledged: n(r?.acknowledged),
    rectified,
    overdue: n(r?.overdue),
    escalated: n(r?.escalated),
    rectificationRate: issued === 0 ? null : Math.round((rectified / issued) * 10_000) / 10_000,
  };
}
