// The facts decideFence needs, for many entities at once: one statement locks the entities and
// reads class, history and membership; one more reads open warnings and (when the classify hook
// did not pass the indicator rows) serious violations; the rectification seam may add one.
// A fixed number of statements whatever the number of ids.
import { sql } from "drizzle-orm";
import { idList } from "../db/id-list.js";
import { rowsOf, type Executor } from "../db/client.js";
import type { Severity } from "../db/schema/monitoring.js";
import type { CreditClass, IndicatorRow } from "../scoring/index.js";
import { DAY_MS, type FenceFacts } from "./decide.js";
import { countedEvent } from "../exchange/entity-claims.js";

/** Overdue rectification cases per entity (the notices module provides it; absent = none). */
export type OverdueRectifications = (tx: Executor, entityIds: readonly string[]) => Promise<Map<string, number>>;

export interface EntityFacts extends FenceFacts {
  entityId: string;
  regionCode: string;
}

export interface FactsOptions {
  /** The classify hook's indicator rows: serious_violations_365d is read from them. */
  indicators?: ReadonlyMap<string, IndicatorRow> | undefined;
  overdueRectifications?: OverdueRectifications | undefined;
  /** false: read without locking the entities (a dry run, which decides nothing). Default true. */
  lock?: boolean | undefined;
}

interface EntityRow extends Record<string, unknown> {
  entity_id: string;
  region_code: string;
  risk_class: CreditClass | null;
  class_since: Date | string | null;
  operating_since: Date | string | null;
  status: "inside" | "outside" | null;
  since: Date | string | null;
  last_removed_at: Date | string | null;
  last_actor: string | null;
  hold_until: Date | string | null;
}

interface SignalRow extends Record<string, unknown> {
  entity_id: string;
  sev: number | null;
  serious: number | null;
}

const SEVERITY_BY_RANK: Record<number, Severity> = { 1: "low", 2: "medium", 3: "high", 4: "critical" };
const date = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

/**
 * Locks the entities (FOR UPDATE, in id order: the classify hook already holds these locks in the
 * same transaction; a manual decision and an evaluation of one entity serialise on them) and
 * returns their facts as of `asOf`. Unknown ids are left out.
 *
 * The lock is its own statement, before the facts are read: a SELECT ... FOR UPDATE that waited
 * for another evaluation re-reads the locked entity rows but not the joined membership rows
 * (PostgreSQL's EvalPlanQual keeps them from the statement's first snapshot), so the loser of a
 * race would decide on the membership as it was before the winner's admission and admit again.
 */
export async function gatherFacts(tx: Executor, entityIds: readonly string[], asOf: Date, options: FactsOptions = {}): Promise<EntityFacts[]> {
  const ids = [...new Set(entityIds.map((x) => x.toLowerCase()))];
  if (ids.length === 0) return [];
  if (options.lock !== false) await tx.execute(sql`select e.id from entity e where e.id in ${idList(ids)} order by e.id for no key update of e`);
  const entities = rowsOf<EntityRow>(await tx.execute(sql`
    select e.id::text as entity_id, e.region_code, e.risk_class, e.class_since, e.operating_since,
           m.status, m.since, m.last_removed_at, m.last_actor, h.until as hold_until
    from entity e left join sandbox_membership m on m.entity_id = e.id
      left join sandbox_hold h on h.entity_id = e.id
    where e.id in ${idList(ids)}
    order by e.id`));
  if (entities.length === 0) return [];
  const found = entities.map((e) => e.entity_id);
  const indicators = options.indicators;
  // Serious violations as features-sql counts them: violation_confirmed in [T - 365 d, T), serious.
  const needViolations = indicators ? found.filter((id) => !indicators.has(id)) : found;
  const signals = rowsOf<SignalRow>(await tx.execute(sql`
    with ids as materialized (select (jsonb_array_elements_text(${JSON.stringify(found)}::jsonb))::uuid as id),
    w as (
      select entity_id, max(case severity when 'low' then 1 when 'medium' then 2 when 'high' then 3 when 'critical' then 4 end) as sev
      from warning where status = 'open' and entity_id in (select id from ids)
      group by entity_id
    ), v as (
      select entity_id, count(*)::int as serious
      from event
      where kind = 'violation_confirmed' and entity_id in ${idList(needViolations)} and ${countedEvent("event")}
        and occurred_at >= ${new Date(asOf.getTime() - 365 * DAY_MS).toISOString()}::timestamptz and occurred_at < ${asOf.toISOString()}::timestamptz
        and (data->'serious' = 'true'::jsonb or data->>'severity' = 'serious')
      group by entity_id
    )
    select ids.id::text as entity_id, w.sev, v.serious
    from ids left join w on w.entity_id = ids.id left join v on v.entity_id = ids.id
    where w.sev is not null or v.serious is not null`));
  const byId = new Map(signals.map((s) => [s.entity_id, s]));
  const overdue = options.overdueRectifications ? await options.overdueRectifications(tx, found) : new Map<string, number>();
  return entities.map((e) => {
    const s = byId.get(e.entity_id);
    const fromIndicators = indicators?.get(e.entity_id)?.serious_violations_365d;
    return {
      entityId: e.entity_id,
      regionCode: e.region_code,
      riskClass: e.risk_class,
      classSince: date(e.class_since),
      operatingSince: date(e.operating_since),
      maxOpenWarningSeverity: s?.sev ? (SEVERITY_BY_RANK[Number(s.sev)] ?? null) : null,
      overdueRectifications: overdue.get(e.entity_id) ?? 0,
      seriousViolations365d: typeof fromIndicators === "number" ? fromIndicators : Number(s?.serious ?? 0),
      membership: e.status
        ? { status: e.status, since: new Date(e.since!), lastRemovedAt: date(e.last_removed_at), lastActor: e.last_actor ?? "system" }
        : null,
      holdUntil: date(e.hold_until),
    };
  });
}
