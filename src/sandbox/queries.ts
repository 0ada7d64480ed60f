// Reads of the sandbox for regulators (and the platform's entity status): one entity's
// membership with its fence audit history, and the keyset-paged member list. Plain functions
// taking the database first; callers check role and region scope.
import { decodeKeyset, encodeKeyset, UUID_PATTERN } from "../db/keyset.js";
import { sql, type SQL } from "drizzle-orm";
import { rowsOf, type Executor, isoTimeOrNull as iso } from "../db/client.js";
import type { components } from "../generated/openapi.js";
import { AppError } from "../http/errors.js";
import type { CreditClass } from "../scoring/index.js";

type SandboxStatus = components["schemas"]["SandboxStatus"];
type SandboxMember = components["schemas"]["SandboxMember"];
type FenceAuditEntry = components["schemas"]["FenceAuditEntry"];

/** Per entity, changes are rare (cool-down and hysteresis): this bounds a pathological history. */
const HISTORY_LIMIT = 1000;

const json = <T>(v: T | string): T => (typeof v === "string" ? (JSON.parse(v) as T) : v);

interface MembershipRow extends Record<string, unknown> {
  status: "inside" | "outside";
  since: Date | string;
  last_admitted_at: Date | string | null;
  last_removed_at: Date | string | null;
  last_actor: string;
  policy_version: number;
}

const membershipOf = (m: MembershipRow) => ({
  status: m.status,
  since: iso(m.since)!,
  lastAdmittedAt: iso(m.last_admitted_at),
  lastRemovedAt: iso(m.last_removed_at),
  lastActor: m.last_actor,
  policyVersion: Number(m.policy_version),
});

/** An entity's sandbox status, membership and full fence audit history (newest first). */
export async function sandboxOf(on: Executor, entityId: string): Promise<SandboxStatus> {
  const [m] = rowsOf<MembershipRow>(await on.execute(sql`
    select status, since, last_admitted_at, last_removed_at, last_actor, policy_version
    from sandbox_membership where entity_id = ${entityId}::uuid`));
  const history = rowsOf<Record<string, unknown>>(await on.execute(sql`
    select id::text as id, action, rule, reason, evidence, actor, policy_version, at
    from fence_audit where entity_id = ${entityId}::uuid order by at desc, id desc limit ${HISTORY_LIMIT}`));
  return {
    status: m?.status ?? "outside",
    membership: m ? membershipOf(m) : null,
    history: history.map(
      (h): FenceAuditEntry => ({
        id: String(h.id),
        action: h.action as FenceAuditEntry["action"],
        rule: String(h.rule),
        reason: String(h.reason),
        evidence: json(h.evidence as Record<string, unknown>),
        actor: String(h.actor),
        policyVersion: Number(h.policy_version),
        at: iso(h.at as Date)!,
      }),
    ),
  };
}

interface HoldRow extends Record<string, unknown> {
  until: Date | string;
  reason: string;
  held_by: string;
  held_at: Date | string;
}

/** The entity's running hold at `now` (an expired one is none). */
export async function holdOf(on: Executor, entityId: string, now: Date) {
  const [h] = rowsOf<HoldRow>(await on.execute(sql`
    select until, reason, held_by, held_at from sandbox_hold where entity_id = ${entityId}::uuid and until > ${now.toISOString()}::timestamptz`));
  return h ? { until: iso(h.until)!, reason: h.reason, heldBy: h.held_by, heldAt: iso(h.held_at)! } : null;
}

/** The entity with its sandbox status, running hold and history, or 404 outside the region prefix. */
export async function getSandboxEntity(on: Executor, input: { prefix: string; entityId: string; now: Date }) {
  const [e] = rowsOf<{ id: string; name: string; region_code: string; category: string; risk_class: CreditClass | null; class_since: Date | string | null }>(
    await on.execute(sql`
      select id::text as id, name, region_code, category, risk_class, class_since from entity
      where id = ${input.entityId}::uuid and starts_with(region_code, ${input.prefix})`),
  );
  if (!e) throw new AppError("NOT_FOUND", "no such entity");
  return {
    entityId: e.id,
    name: e.name,
    regionCode: e.region_code,
    category: e.category,
    riskClass: e.risk_class,
    classSince: iso(e.class_since),
    ...(await sandboxOf(on, e.id)),
    hold: await holdOf(on, e.id, input.now),
  };
}

export interface MemberQuery {
  /** The effective region prefix (null: disjoint from the caller's scope, nothing to see). */
  prefix: string | null;
  status: "inside" | "outside" | "all";
  platformId?: string | undefined;
  limit: number;
  cursor?: string | undefined;
  /** Holds ending before this are over. */
  now: Date;
}

/** Members in entity-id order (keyset: stable while rows change status). */
export async function listMembers(on: Executor, q: MemberQuery): Promise<{ members: SandboxMember[]; nextCursor: string | null }> {
  if (q.prefix === null) return { members: [], nextCursor: null };
  // Scoped by the entity's region as it is now (the membership's copy is refreshed only on changes).
  const where: SQL[] = [sql`starts_with(e.region_code, ${q.prefix})`];
  if (q.status !== "all") where.push(sql`m.status = ${q.status}`);
  if (q.platformId) where.push(sql`exists (select 1 from shop s where s.entity_id = m.entity_id and s.platform_id = ${q.platformId}::uuid)`);
  if (q.cursor) where.push(sql`m.entity_id > ${decodeKeyset(q.cursor, [UUID_PATTERN])[0]!}::uuid`);
  const rows = rowsOf<MembershipRow & { entity_id: string; name: string; region_code: string; category: string; risk_class: CreditClass | null; hold_until: Date | string | null }>(
    await on.execute(sql`
      select m.entity_id::text as entity_id, e.name, e.region_code, e.category, e.risk_class,
             m.status, m.since, m.last_admitted_at, m.last_removed_at, m.last_actor, m.policy_version,
             h.until as hold_until
      from sandbox_membership m join entity e on e.id = m.entity_id
        left join sandbox_hold h on h.entity_id = m.entity_id and h.until > ${q.now.toISOString()}::timestamptz
      where ${sql.join(where, sql` and `)}
      order by m.entity_id
      limit ${q.limit + 1}`),
  );
  const page = rows.slice(0, q.limit);
  return {
    members: page.map((r) => ({
      entityId: r.entity_id,
      name: r.name,
      regionCode: r.region_code,
      category: r.category,
      riskClass: r.risk_class,
      ...membershipOf(r),
      holdUntil: iso(r.hold_until),
    })),
    nextCursor: rows.length > q.limit ? encodeKeyset([page.at(-1)!.entity_id]) : null,
  };
}
