// Regulator verbs over the warning library: list (keyset-paged, region-scoped, filters), read
// one, close one (officer, audited). Authorisation first, then the work; a warning outside the
// caller's region is 404, like one that does not exist.
import { decodeKeyset, encodeKeyset, UUID_PATTERN } from "../db/keyset.js";
import { authorize, regulator } from "../auth/authorize.js";
import { sql, type SQL } from "drizzle-orm";
import { appendAudit } from "../audit/index.js";
import { actorLabel, type Actor } from "../auth/actor.js";
import type { Clock } from "../clock.js";
import { rowsOf, type Database, type Executor, isoTime as iso } from "../db/client.js";
import type { components } from "../generated/openapi.js";
import { AppError } from "../http/errors.js";
import { closeWarnings } from "./warnings-store.js";

export type WarningView = components["schemas"]["Warning"];

export interface MonitoringContext {
  db: Database;
  clock: Clock;
  actor: Actor;
}

interface WarningRow extends Record<string, unknown> {
  id: string;
  rule_id: string;
  rule_key: string;
  rule_name: string | null;
  rule_version: number;
  entity_id: string;
  entity_name: string;
  region_code: string;
  severity: WarningView["severity"];
  status: WarningView["status"];
  action: WarningView["action"];
  sandbox_status: WarningView["sandboxStatus"];
  window_start: Date | string;
  window_end: Date | string;
  first_hit_at: Date | string;
  last_hit_at: Date | string;
  hit_count: number;
  evidence: Record<string, unknown> | string;
  closed_at: Date | string | null;
  closed_by: string | null;
  close_reason: string | null;
}


function toView(r: WarningRow): WarningView {
  return {
    warningId: r.id,
    ruleId: r.rule_id,
    ruleKey: r.rule_key,
    ruleNameZh: r.rule_name,
    ruleVersion: Number(r.rule_version),
    entityId: r.entity_id,
    entityName: r.entity_name,
    regionCode: r.region_code,
    severity: r.severity,
    status: r.status,
    action: r.action,
    sandboxStatus: r.sandbox_status,
    windowStart: iso(r.window_start),
    windowEnd: iso(r.window_end),
    firstHitAt: iso(r.first_hit_at),
    lastHitAt: iso(r.last_hit_at),
    hitCount: Number(r.hit_count),
    evidence: typeof r.evidence === "string" ? (JSON.parse(r.evidence) as Record<string, unknown>) : r.evidence,
    closedAt: r.closed_at === null ? null : iso(r.closed_at),
    closedBy: r.closed_by,
    closeReason: r.close_reason,
  };
}

const SELECT = sql`
  select w.id::text as id, w.rule_id::text as rule_id, w.rule_key, r.definition->>'nameZh' as rule_name, w.rule_version,
    w.entity_id::text as entity_id, e.name as entity_name, w.region_code, w.severity, w.status, w.action, w.sandbox_status,
    w.window_start, w.window_end, w.first_hit_at, w.last_hit_at, w.hit_count, w.evidence, w.closed_at, w.closed_by, w.close_reason
  from warning w join entity e on e.id = w.entity_id left join monitoring_rule r on r.id = w.rule_id`;

export interface ListWarningsInput {
  status?: WarningView["status"] | undefined;
  severity?: WarningView["severity"] | undefined;
  region?: string | undefined;
  platform?: string | undefined;
  rule?: string | undefined;
  sandbox?: "inside" | "outside" | undefined;
  entity?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

/** Newest first (ids are UUIDv7); the cursor is the last id of the page. */
export async function listWarnings(ctx: MonitoringContext, q: ListWarningsInput): Promise<{ warnings: WarningView[]; nextCursor: string | null }> {
  const prefix = authorize(ctx.actor, regulator("viewer", q.region)).scope;
  if (prefix === null) return { warnings: [], nextCursor: null };
  const limit = q.limit ?? 100;
  const where: SQL[] = [sql`starts_with(w.region_code, ${prefix})`];
  if (q.status) where.push(sql`w.status = ${q.status}`);
  if (q.severity) where.push(sql`w.severity = ${q.severity}`);
  if (q.rule) where.push(UUID_PATTERN.test(q.rule) ? sql`w.rule_id = ${q.rule}::uuid` : sql`w.rule_key = ${q.rule}`);
  if (q.entity) where.push(sql`w.entity_id = ${q.entity}::uuid`);
  if (q.platform) where.push(sql`exists (select 1 from shop s where s.entity_id = w.entity_id and s.platform_id = ${q.platform}::uuid)`);
  if (q.sandbox === "inside") where.push(sql`exists (select 1 from sandbox_membership m where m.entity_id = w.entity_id and m.status = 'inside')`);
  if (q.sandbox === "outside") where.push(sql`not exists (select 1 from sandbox_membership m where m.entity_id = w.entity_id and m.status = 'inside')`);
  if (q.cursor) where.push(sql`w.id < ${decodeKeyset(q.cursor, [UUID_PATTERN])[0]!}::uuid`);
  const rows = await ctx.db.rows<WarningRow>(sql`${SELECT} where ${sql.join(where, sql` and `)} order by w.id desc limit ${limit + 1}`);
  const page = rows.slice(0, limit).map(toView);
  return { warnings: page, nextCursor: rows.length > limit ? encodeKeyset([page.at(-1)!.warningId]) : null };
}

async function warningInScope(on: Executor, id: string, prefix: string, forUpdate = false): Promise<WarningRow | undefined> {
  const [row] = rowsOf<WarningRow>(
    await on.execute(sql`${SELECT} where w.id = ${id}::uuid and starts_with(w.region_code, ${prefix}) ${forUpdate ? sql`for update of w` : sql``}`),
  );
  return row;
}

/** An entity's warnings for its profile: open ones first, then the newest (the caller checked scope). */
export async function warningsOfEntity(on: Executor, entityId: string, limit = 20): Promise<WarningView[]> {
  const rows = rowsOf<WarningRow>(
    await on.execute(sql`${SELECT} where w.entity_id = ${entityId}::uuid order by (w.status = 'open') desc, w.id desc limit ${limit}`),
  );
  return rows.map(toView);
}

export async function getWarning(ctx: MonitoringContext, input: { warningId: string }): Promise<WarningView> {
  const row = await warningInScope(ctx.db.orm, input.warningId, authorize(ctx.actor, regulator("viewer")).regionPrefix);
  if (!row) throw new AppError("NOT_FOUND", "no such warning");
  return toView(row);
}

/** An officer closes an open warning with a written reason (audited). */
export async function closeWarningVerb(ctx: MonitoringContext, input: { warningId: string; reason: string }): Promise<WarningView> {
  const prefix = authorize(ctx.actor, regulator("officer")).regionPrefix;
  const by = actorLabel(ctx.actor);
  return ctx.db.transaction(async (tx) => {
    const row = await warningInScope(tx, input.warningId, prefix, true);
    if (!row) throw new AppError("NOT_FOUND", "no such warning");
    if (row.status !== "open") throw new AppError("CONFLICT", `the warning is already ${row.status}`);
    await closeWarnings(tx, [row.id], { by, reason: input.reason, at: ctx.clock.now() });
    const closed = (await warningInScope(tx, row.id, prefix))!;
    await appendAudit(tx, ctx.clock, {
      actor: by,
      action: "warning.close",
      subjectType: "warning",
      subjectId: row.id,
      data: { reason: input.reason, ruleKey: row.rule_key, entityId: row.entity_id },
    });
    return toView(closed);
  });
}
