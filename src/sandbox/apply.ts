// Writing fence changes, set-based and in the caller's transaction: one upsert of
// sandbox_membership, one insert of fence_audit rows, one publishToEntityPlatforms call with
// sandbox.admitted / sandbox.removed. Used by automatic evaluation and by officers' decisions
// alike, so both leave the same trail.
import { sql } from "drizzle-orm";
import type { Executor } from "../db/client.js";
import type { PublishToEntityPlatforms } from "../exchange/outbound/types.js";
import { fastUuidv7 } from "../exchange/ids.js";
import type { CreditClass } from "../scoring/index.js";

export interface FenceChange {
  entityId: string;
  regionCode: string;
  action: "admit" | "remove";
  rule: string;
  /** Why, in words: the decision's reasonZh, or the officer's written reason. */
  reason: string;
  evidence: Record<string, unknown>;
  /** "system" or "regulator:<userId>". */
  actor: string;
  riskClass: CreditClass | null;
}

export interface AppliedChange extends FenceChange {
  auditId: string;
}

/** Applies the changes at `at` under policy `policyVersion`; returns them with their audit row ids. */
export async function applyFenceChanges(
  tx: Executor,
  publishToEntityPlatforms: PublishToEntityPlatforms,
  changes: readonly FenceChange[],
  input: { policyVersion: number; at: Date },
): Promise<AppliedChange[]> {
  if (changes.length === 0) return [];
  const at = input.at.toISOString();
  const applied = changes.map((c) => ({ ...c, auditId: fastUuidv7() }));
  await tx.execute(sql`
    insert into sandbox_membership (entity_id, status, since, last_admitted_at, last_removed_at, last_actor, policy_version, region_code, updated_at)
    select r.e, r.s, ${at}::timestamptz,
      case when r.s = 'inside' then ${at}::timestamptz end,
      case when r.s = 'outside' then ${at}::timestamptz end,
      r.a, ${input.policyVersion}, r.g, ${at}::timestamptz
    from jsonb_to_recordset(${JSON.stringify(applied.map((c) => ({ e: c.entityId, s: c.action === "admit" ? "inside" : "outside", a: c.actor, g: c.regionCode })))}::jsonb)
      as r(e uuid, s text, a text, g text)
    on conflict (entity_id) do update set
      status = excluded.status,
      since = excluded.since,
      last_admitted_at = coalesce(excluded.last_admitted_at, sandbox_membership.last_admitted_at),
      last_removed_at = coalesce(excluded.last_removed_at, sandbox_membership.last_removed_at),
      last_actor = excluded.last_actor,
      policy_version = excluded.policy_version,
      region_code = excluded.region_code,
      updated_at = excluded.updated_at`);
  await tx.execute(sql`
    insert into fence_audit (id, entity_id, action, rule, reason, evidence, actor, policy_version, at)
    select r.i, r.e, r.act, r.rule, r.reason, r.ev, r.a, ${input.policyVersion}, ${at}::timestamptz
    from jsonb_to_recordset(${JSON.stringify(
      applied.map((c) => ({ i: c.auditId, e: c.entityId, act: c.action === "admit" ? "admitted" : "removed", rule: c.rule, reason: c.reason, ev: c.evidence, a: c.actor })),
    )}::jsonb) as r(i uuid, e uuid, act text, rule text, reason text, ev jsonb, a text)`);
  await publishToEntityPlatforms(
    tx,
    applied.map((c) => ({
      entityId: c.entityId,
      type: c.action === "admit" ? "sandbox.admitted" : "sandbox.removed",
      data: {
        entityId: c.entityId,
        rule: c.rule,
        reason: c.reason,
        at,
        policyVersion: input.policyVersion,
        class: c.riskClass,
        // Platforms learn whether an officer decided, never who.
        by: c.actor === "system" ? "system" : "regulator",
      },
    })),
  );
  return applied;
}
