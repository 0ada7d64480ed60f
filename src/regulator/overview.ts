// The regulator's overview (GET /v1/regulator/overview, DESIGN §5b): entities by class, the
// sandbox's size, open warnings by severity, the notice figures and the rectification cases in
// one answer, inside the caller's region scope (narrowed by `region`, never widened; a region
// outside the scope gives zeros, as the class distribution does).
//
// Two statements whatever the data: one aggregate over entity, sandbox_membership, warning and
// rectification_case (one snapshot, each block a count with filters, no per-row work), and the
// notice figures' total from noticeFigures (its own single statement), so the notice numbers are
// exactly those of /v1/regulator/notice-figures.
//
// Each block filters as the list the console drills into does: entities and sandbox members by
// the entity's region, warnings and cases by their own (denormalised) region; with `platform`,
// entities, members and warnings of entities with a shop on it, notices and cases sent to it.
import { authorize, regulator } from "../auth/authorize.js";
import { sql, type SQL } from "drizzle-orm";
import type { Actor } from "../auth/actor.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import type { components } from "../generated/openapi.js";
import { noticeFigures } from "../notices/figures.js";

export type RegulatorOverview = components["schemas"]["RegulatorOverview"];

export interface OverviewInput {
  region?: string | undefined;
  platform?: string | undefined;
}

interface CountsRow extends Record<string, unknown> {
  entities: number | string;
  class_a: number | string;
  class_b: number | string;
  class_c: number | string;
  class_d: number | string;
  sandbox_inside: number | string;
  warnings_low: number | string;
  warnings_medium: number | string;
  warnings_high: number | string;
  warnings_critical: number | string;
  cases_open: number | string;
  cases_overdue: number | string;
  cases_escalated_open: number | string;
}

export async function regulatorOverview(ctx: { db: Database; clock: Clock; actor: Actor }, input: OverviewInput): Promise<RegulatorOverview> {
  // Authorisation first: any regulator (or operator); the scope is the caller's prefix.
  const prefix = authorize(ctx.actor, regulator("viewer", input.region)).scope;
  const asOf = ctx.clock.now();
  // One instant for every block: the notice figures' "overdue" uses the same now as the cases'.
  const atAsOf: Clock = { now: () => asOf };
  const counts = prefix === null ? undefined : await countsInScope(ctx.db, prefix, input.platform, asOf);
  const notices = (await noticeFigures({ db: ctx.db, clock: atAsOf, actor: ctx.actor }, { by: "region", region: input.region, platform: input.platform })).total;
  const n = (k: keyof CountsRow) => Number(counts?.[k] ?? 0);
  const byClass = { A: n("class_a"), B: n("class_b"), C: n("class_c"), D: n("class_d") };
  const openBySeverity = { low: n("warnings_low"), medium: n("warnings_medium"), high: n("warnings_high"), critical: n("warnings_critical") };
  return {
    region: prefix ?? "",
    platform: input.platform ?? null,
    asOf: asOf.toISOString(),
    entities: { total: n("entities"), byClass: { ...byClass, unclassified: n("entities") - byClass.A - byClass.B - byClass.C - byClass.D } },
    sandbox: { inside: n("sandbox_inside") },
    warnings: { open: openBySeverity.low + openBySeverity.medium + openBySeverity.high + openBySeverity.critical, openBySeverity },
    notices,
    rectifications: { open: n("cases_open"), overdue: n("cases_overdue"), escalatedOpen: n("cases_escalated_open") },
  };
}

/** Every count but the notices', in one statement (each CTE yields exactly one row). */
async function countsInScope(db: Database, prefix: string, platformId: string | undefined, asOf: Date): Promise<CountsRow | undefined> {
  const onPlatform = (entityId: SQL): SQL =>
    platformId ? sql` and exists (select 1 from shop s where s.entity_id = ${entityId} and s.platform_id = ${platformId}::uuid)` : sql``;
  const sentToPlatform = platformId
    ? sql` and exists (select 1 from notice_delivery d where d.notice_id = c.notice_id and d.platform_id = ${platformId}::uuid)`
    : sql``;
  const now = asOf.toISOString();
  const [row] = await db.rows<CountsRow>(sql`
    with entities as (
      select count(*)::int as entities,
             count(*) filter (where e.risk_class = 'A')::int as class_a,
             count(*) filter (where e.risk_class = 'B')::int as class_b,
             count(*) filter (where e.risk_class = 'C')::int as class_c,
             count(*) filter (where e.risk_class = 'D')::int as class_d
      from entity e
      where starts_with(e.region_code, ${prefix})${onPlatform(sql`e.id`)}
    ), sandbox as (
      select count(*)::int as sandbox_inside
      from sandbox_membership m join entity e on e.id = m.entity_id
      where m.status = 'inside' and starts_with(e.region_code, ${prefix})${onPlatform(sql`m.entity_id`)}
    ), warnings as (
      select count(*) filter (where w.severity = 'low')::int as warnings_low,
             count(*) filter (where w.severity = 'medium')::int as warnings_medium,
             count(*) filter (where w.severity = 'high')::int as warnings_high,
             count(*) filter (where w.severity = 'critical')::int as warnings_critical
      from warning w
      where w.status = 'open' and starts_with(w.region_code, ${prefix})${onPlatform(sql`w.entity_id`)}
    ), cases as (
      -- Overdue exactly as the case list's flag: the deadline passed and not accepted.
      select count(*)::int as cases_open,
             count(*) filter (where c.due_at <= ${now}::timestamptz)::int as cases_overdue,
             count(*) filter (where c.escalated_at is not null)::int as cases_escalated_open
      from rectification_case c
      where c.status <> 'accepted' and starts_with(c.region_code, ${prefix})${sentToPlatform}
    )
    select * from entities, sandbox, warnings, cases`);
  return row;
}
