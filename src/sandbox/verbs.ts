// Regulator verbs of the sandbox: read and edit the fence policy (admin, audited), and an
// officer's manual admission or removal with a written reason. Role and region scope are checked
// first; the work and the audit row share one transaction.
import { authorize, cityWide, regulator } from "../auth/authorize.js";
import { sql } from "drizzle-orm";
import { appendAudit } from "../audit/index.js";
import { actorLabel, type Actor } from "../auth/actor.js";
import type { Clock } from "../clock.js";
import { rowsOf, type Database } from "../db/client.js";
import type { PublishToEntityPlatforms } from "../exchange/outbound/types.js";
import { AppError } from "../http/errors.js";
import { applyFenceChanges } from "./apply.js";
import { DAY_MS, factsEvidence, removalTriggers } from "./decide.js";
import { gatherFacts, type OverdueRectifications } from "./facts.js";
import { currentPolicy, insertPolicyVersion, policyVersions, validateFencePolicy, type FencePolicy, type PolicyVersion } from "./policy.js";
import { getSandboxEntity, listMembers } from "./queries.js";

export interface SandboxContext {
  db: Database;
  clock: Clock;
  actor: Actor;
  /** Wakes the job runner after a commit that enqueued webhook deliveries. */
  kick: () => void;
  publishToEntityPlatforms: PublishToEntityPlatforms;
  overdueRectifications?: OverdueRectifications | undefined;
}


export const policyToApi = (p: PolicyVersion) => ({
  version: p.version,
  policy: p.policy,
  savedBy: p.savedBy,
  savedAt: p.savedAt.toISOString(),
  reason: p.reason,
});

export async function getFencePolicy(ctx: Pick<SandboxContext, "db" | "actor">) {
  authorize(ctx.actor, regulator("viewer"));
  return policyToApi(await currentPolicy(ctx.db.orm));
}

/** Every saved version, newest first, keyset-paged by version number (the cursor is the last version shown). */
export async function listFencePolicyVersions(ctx: Pick<SandboxContext, "db" | "actor">, q: { limit?: number | undefined; cursor?: string | undefined }) {
  authorize(ctx.actor, regulator("viewer"));
  const limit = q.limit ?? 20;
  const rows = await policyVersions(ctx.db.orm, { before: q.cursor === undefined ? undefined : Number(q.cursor), limit: limit + 1 });
  const page = rows.slice(0, limit);
  return { versions: page.map(policyToApi), nextCursor: rows.length > limit ? String(page[page.length - 1]!.version) : null };
}

/** Saves a new policy version (admin); refused with every semantic error, each with its path. */
export async function updateFencePolicy(
  ctx: Pick<SandboxContext, "db" | "clock" | "actor">,
  input: { policy: FencePolicy; reason: string; expectedVersion?: number | undefined },
) {
  // One fence for the whole city: city-wide configuration.
  authorize(ctx.actor, cityWide("admin"));
  const errors = validateFencePolicy(input.policy, "/policy");
  if (errors.length > 0) throw new AppError("VALIDATION_FAILED", "the fence policy is invalid", { errors });
  const actor = actorLabel(ctx.actor);
  return ctx.db.transaction(async (tx) => {
    // Saves serialise on the newest version's row; the next number is read after the wait.
    await tx.execute(sql`select version from fence_policy order by version desc limit 1 for update`);
    const previous = await currentPolicy(tx);
    if (input.expectedVersion !== undefined && input.expectedVersion !== previous.version) {
      throw new AppError("CONFLICT", `the policy in force is version ${previous.version}, not ${input.expectedVersion}`, { currentVersion: previous.version });
    }
    const saved = await insertPolicyVersion(tx, { policy: input.policy, savedBy: actor, reason: input.reason, now: ctx.clock.now() });
    await appendAudit(tx, ctx.clock, {
      actor,
      action: "sandbox.policy.update",
      subjectType: "fence_policy",
      subjectId: String(saved.version),
      data: { reason: input.reason, previousVersion: previous.version, policy: input.policy },
    });
    return policyToApi(saved);
  });
}

/**
 * An officer admits or removes an entity inside their region (404 outside it) with a written
 * reason. Admission is refused (409, naming the trigger) while a removal trigger holds; a no-op
 * (already inside / not inside) is refused too, so every decision is a real change.
 */
export async function decideManually(ctx: SandboxContext, input: { entityId: string; action: "admit" | "remove"; reason: string }) {
  const { regionPrefix } = authorize(ctx.actor, regulator("officer"));
  const reason = input.reason.trim();
  if (reason === "") throw new AppError("VALIDATION_FAILED", "a written reason is required", { errors: [{ pointer: "/reason", message: "must not be blank" }] });
  const actor = actorLabel(ctx.actor);
  await ctx.db.transaction(async (tx) => {
    const [inScope] = rowsOf<{ id: string }>(await tx.execute(sql`
      select id::text as id from entity where id = ${input.entityId}::uuid and starts_with(region_code, ${regionPrefix})`));
    if (!inScope) throw new AppError("NOT_FOUND", "no such entity");
    const at = ctx.clock.now();
    const policy = await currentPolicy(tx);
    const [facts] = await gatherFacts(tx, [inScope.id], at, { overdueRectifications: ctx.overdueRectifications });
    if (!facts) throw new AppError("NOT_FOUND", "no such entity");
    const inside = facts.membership?.status === "inside";
    const triggers = removalTriggers(policy.policy, facts);
    if (input.action === "admit") {
      if (inside) throw new AppError("CONFLICT", "the entity is already inside the sandbox");
      if (triggers.length > 0) {
        throw new AppError("CONFLICT", `a removal trigger holds: ${triggers.map((t) => `${t.rule} (${t.reasonZh})`).join("; ")}`, {
          trigger: triggers[0]!.rule,
          triggers: triggers.map((t) => t.rule),
        });
      }
    } else if (!inside) {
      throw new AppError("CONFLICT", "the entity is not inside the sandbox");
    }
    const [applied] = await applyFenceChanges(
      tx,
      ctx.publishToEntityPlatforms,
      [{
        entityId: facts.entityId,
        regionCode: facts.regionCode,
        action: input.action,
        rule: `manual.${input.action}`,
        reason,
        evidence: { ...factsEvidence(facts, at), triggers: triggers.map((t) => t.rule), trigger: "manual" },
        actor,
        riskClass: facts.riskClass,
      }],
      { policyVersion: policy.version, at },
    );
    await appendAudit(tx, ctx.clock, {
      actor,
      action: `sandbox.${input.action}`,
      subjectType: "entity",
      subjectId: facts.entityId,
      data: { reason, rule: `manual.${input.action}`, policyVersion: policy.version, fenceAuditId: applied!.auditId },
    });
  });
  // The sandbox.* webhook deliveries were enqueued in the transaction.
  ctx.kick();
  return getSandboxEntity(ctx.db.orm, { prefix: regionPrefix, entityId: input.entityId, now: ctx.clock.now() });
}

/** The longest hold an officer may set: a longer suspension is a policy question, not a case decision. */
export const MAX_HOLD_DAYS = 365;

/**
 * An officer holds an entity where it is until `until` (region-scoped, 404 outside; audited with
 * the reason). A new hold replaces a running one. The membership does not change, so nobody else
 * is told; the fence reads the hold on its next evaluation (decide.ts).
 */
export async function holdEntity(ctx: Pick<SandboxContext, "db" | "clock" | "actor">, input: { entityId: string; reason: string; until: string }) {
  const { regionPrefix } = authorize(ctx.actor, regulator("officer"));
  const reason = input.reason.trim();
  const now = ctx.clock.now();
  const until = new Date(input.until);
  const errors = [
    ...(reason === "" ? [{ pointer: "/reason", message: "must not be blank" }] : []),
    ...(!(until.getTime() > now.getTime()) ? [{ pointer: "/until", message: "must be in the future" }] : []),
    ...(until.getTime() > now.getTime() + MAX_HOLD_DAYS * DAY_MS ? [{ pointer: "/until", message: `must be at most ${MAX_HOLD_DAYS} days ahead` }] : []),
  ];
  if (errors.length > 0) throw new AppError("VALIDATION_FAILED", "the hold is invalid", { errors });
  const actor = actorLabel(ctx.actor);
  await ctx.db.transaction(async (tx) => {
    // The entity's row lock orders the hold against a running evaluation of the same entity.
    const [inScope] = rowsOf<{ id: string }>(await tx.execute(sql`
      select id::text as id from entity where id = ${input.entityId}::uuid and starts_with(region_code, ${regionPrefix}) for no key update`));
    if (!inScope) throw new AppError("NOT_FOUND", "no such entity");
    const [previous] = rowsOf<{ until: Date | string }>(await tx.execute(sql`select until from sandbox_hold where entity_id = ${inScope.id}::uuid`));
    await tx.execute(sql`
      insert into sandbox_hold (entity_id, until, reason, held_by, held_at)
      values (${inScope.id}::uuid, ${until.toISOString()}::timestamptz, ${reason}, ${actor}, ${now.toISOString()}::timestamptz)
      on conflict (entity_id) do update set until = excluded.until, reason = excluded.reason, held_by = excluded.held_by, held_at = excluded.held_at`);
    await appendAudit(tx, ctx.clock, {
      actor,
      action: "sandbox.hold",
      subjectType: "entity",
      subjectId: inScope.id,
      data: { reason, until: until.toISOString(), replaced: previous ? new Date(previous.until).toISOString() : null },
    });
  });
  return getSandboxEntity(ctx.db.orm, { prefix: regionPrefix, entityId: input.entityId, now });
}

/** Ends a running hold early (409 when none runs); audited with the reason. */
export async function releaseHold(ctx: Pick<SandboxContext, "db" | "clock" | "actor">, input: { entityId: string; reason: string }) {
  const { regionPrefix } = authorize(ctx.actor, regulator("officer"));
  const reason = input.reason.trim();
  if (reason === "") throw new AppError("VALIDATION_FAILED", "a written reason is required", { errors: [{ pointer: "/reason", message: "must not be blank" }] });
  const now = ctx.clock.now();
  const actor = actorLabel(ctx.actor);
  await ctx.db.transaction(async (tx) => {
    const [inScope] = rowsOf<{ id: string }>(await tx.execute(sql`
      select id::text as id from entity where id = ${input.entityId}::uuid and starts_with(region_code, ${regionPrefix}) for no key update`));
    if (!inScope) throw new AppError("NOT_FOUND", "no such entity");
    const [released] = rowsOf<{ until: Date | string }>(await tx.execute(sql`
      delete from sandbox_hold where entity_id = ${inScope.id}::uuid and until > ${now.toISOString()}::timestamptz returning until`));
    if (!released) throw new AppError("CONFLICT", "no hold is running for this entity");
    await appendAudit(tx, ctx.clock, {
      actor,
      action: "sandbox.release",
      subjectType: "entity",
      subjectId: inScope.id,
      data: { reason, until: new Date(released.until).toISOString() },
    });
  });
  return getSandboxEntity(ctx.db.orm, { prefix: regionPrefix, entityId: input.entityId, now });
}

/** Sandbox members in the caller's region (narrowed to `region` when asked). */
export async function listSandboxMembers(
  ctx: Pick<SandboxContext, "db" | "clock" | "actor">,
  q: { status?: "inside" | "outside" | "all" | undefined; region?: string | undefined; platform?: string | undefined; limit?: number | undefined; cursor?: string | undefined },
) {
  const { scope } = authorize(ctx.actor, regulator("viewer", q.region));
  return listMembers(ctx.db.orm, { prefix: scope, status: q.status ?? "inside", platformId: q.platform, limit: q.limit ?? 100, cursor: q.cursor, now: ctx.clock.now() });
}

/** One entity's sandbox state and history, inside the caller's region (404 outside it). */
export async function readSandboxEntity(ctx: Pick<SandboxContext, "db" | "clock" | "actor">, input: { entityId: string }) {
  const { regionPrefix } = authorize(ctx.actor, regulator("viewer"));
  return getSandboxEntity(ctx.db.orm, { prefix: regionPrefix, entityId: input.entityId, now: ctx.clock.now() });
}
