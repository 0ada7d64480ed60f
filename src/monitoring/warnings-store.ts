// The warning library's writes, each ONE set-based statement:
// - recordHits: a hit inside an existing warning's window [window_start, window_end) for the same
//   rule and entity refreshes it (hit_count, last_hit_at, evidence), whatever its status;
//   otherwise a new warning with window [T, T + windowDays). Triggered supervision picks the new
//   warning's action: inside the sandbox, the first low-severity hit of a rule (no warning of
//   that rule for the entity in the 365 days before) is a reminder; otherwise the rule's action.
// - closeWarnings: open warnings closed by an officer or by rectification.
// - expireWarnings: open warnings whose last hit is older than their window length.
import { sql } from "drizzle-orm";
import { rowsOf, type Executor } from "../db/client.js";
import type { AppliedAction, RuleAction, Severity } from "./rule-language.js";
import { DAY_MS } from "../db/time.js";

/** How far back an earlier warning makes a hit a repeat. */
export const REPEAT_LOOKBACK_DAYS = 365;

export interface Hit {
  /** A fresh id, used if the hit becomes a new warning. */
  newId: string;
  ruleId: string;
  ruleKey: string;
  ruleVersion: number;
  entityId: string;
  regionCode: string;
  severity: Severity;
  action: RuleAction;
  windowDays: number;
  sandbox: "inside" | "outside";
  evidence: Record<string, unknown>;
}

export interface RecordedHit {
  warningId: string;
  ruleId: string;
  entityId: string;
  /** new: a warning was raised; refreshed: an existing one counted the hit. */
  outcome: "new" | "refreshed";
  /** The applied action of a new warning. */
  action: AppliedAction | null;
}

export async function recordHits(on: Executor, hits: readonly Hit[], asOf: Date): Promise<RecordedHit[]> {
  if (hits.length === 0) return [];
  const T = asOf.toISOString();
  const rows = hits.map((h) => ({
    n: h.newId, r: h.ruleId, k: h.ruleKey, v: h.ruleVersion, e: h.entityId, g: h.regionCode, s: h.severity, a: h.action,
    we: new Date(asOf.getTime() + h.windowDays * DAY_MS).toISOString(), b: h.sandbox, x: h.evidence,
  }));
  const result = await on.execute(sql`
    with h as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as h(n uuid, r uuid, k text, v int, e uuid, g text, s text, a text, we timestamptz, b text, x jsonb)
    ), refreshed as (
      update warning w set hit_count = w.hit_count + 1, last_hit_at = greatest(w.last_hit_at, ${T}::timestamptz),
        evidence = h.x, updated_at = ${T}::timestamptz
      from h
      where w.rule_id = h.r and w.entity_id = h.e and w.window_start <= ${T}::timestamptz and w.window_end > ${T}::timestamptz
      returning w.id, w.rule_id, w.entity_id
    ), prior as (
      -- warnings of the same rule for the entity that began in the 365 days before: a repeat
      select distinct p.rule_id, p.entity_id from warning p join h on p.rule_id = h.r and p.entity_id = h.e
      where p.window_start >= ${new Date(asOf.getTime() - REPEAT_LOOKBACK_DAYS * DAY_MS).toISOString()}::timestamptz
        and p.window_start < ${T}::timestamptz
    ), inserted as (
      insert into warning (id, rule_id, rule_key, rule_version, entity_id, region_code, severity, status, window_start, window_end,
                           first_hit_at, last_hit_at, hit_count, evidence, action, sandbox_status, created_at, updated_at)
      select h.n, h.r, h.k, h.v, h.e, h.g, h.s, 'open', ${T}::timestamptz, h.we, ${T}::timestamptz, ${T}::timestamptz, 1, h.x,
        case when h.a <> 'record' and h.b = 'inside' and h.s = 'low' and pr.rule_id is null then 'remind' else h.a end,
        h.b, ${T}::timestamptz, ${T}::timestamptz
      from h left join prior pr on pr.rule_id = h.r and pr.entity_id = h.e
      where not exists (select 1 from refreshed f where f.rule_id = h.r and f.entity_id = h.e)
      on conflict (rule_id, entity_id, window_start) do nothing
      returning id, rule_id, entity_id, action
    )
    select id::text as id, rule_id::text as rule_id, entity_id::text as entity_id, 'new' as outcome, action from inserted
    union all
    select id::text, rule_id::text, entity_id::text, 'refreshed', null from refreshed`);
  return rowsOf<{ id: string; rule_id: string; entity_id: string; outcome: "new" | "refreshed"; action: AppliedAction | null }>(result).map((r) => ({
    warningId: r.id, ruleId: r.rule_id, entityId: r.entity_id, outcome: r.outcome, action: r.action,
  }));
}

export interface CloseBy {
  /** e.g. "regulator:<userId>", "rectification:<caseId>". */
  by: string;
  reason: string;
}

/**
 * Closes the given warnings that are still open (set-based); returns the ids it closed. For
 * the notice issue: an accepted rectification closes its warning with this, in its own
 * transaction (and writes its own audit row).
 */
export async function closeWarnings(on: Executor, ids: readonly string[], close: CloseBy & { at: Date }): Promise<string[]> {
  if (ids.length === 0) return [];
  const at = close.at.toISOString();
  const rows = rowsOf<{ id: string }>(
    await on.execute(sql`
      update warning set status = 'closed', closed_at = ${at}::timestamptz, closed_by = ${close.by}, close_reason = ${close.reason},
        updated_at = ${at}::timestamptz
      where id in (select (jsonb_array_elements_text(${JSON.stringify([...new Set(ids)])}::jsonb))::uuid) and status = 'open'
      returning id::text as id`),
  );
  return rows.map((r) => r.id);
}

/**
 * Open warnings whose last hit is older than their window length become expired. A hit lies
 * inside its window, so last_hit_at + length >= window_end: only warnings whose window ended
 * can qualify, which the partial index on window_end (open only) finds.
 */
export async function expireWarnings(on: Executor, now: Date): Promise<number> {
  const at = now.toISOString();
  const rows = rowsOf<{ n: number }>(
    await on.execute(sql`
      with gone as (
        update warning set status = 'expired', closed_at = ${at}::timestamptz, closed_by = 'system:expiry',
          close_reason = 'no hit within the window length since the last hit', updated_at = ${at}::timestamptz
        where status = 'open' and window_end < ${at}::timestamptz
          and last_hit_at + (window_end - window_start) < ${at}::timestamptz
        returning 1)
      select count(*)::int as n from gone`),
  );
  return Number(rows[0]?.n ?? 0);
}
