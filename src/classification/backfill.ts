// A platform's backfill: a platform connecting (or reconnecting) sends years of its merchants'
// history through the signed API. Classifying each entity again after every batch of it is
// wasted work — each class is superseded minutes later (about three classifications per entity
// at city scale, bench/results/city.md) — and it misleads: warnings and notices raised from a
// partial history (a licence whose renewal is in a later batch). So a city-wide admin opens a
// backfill for the platform: its batches are stored and receipted as always but ask for no
// rescoring (exchange/backfill-gate.ts). Finishing it starts ONE run over the platform's
// entities (or, finishing several platforms' backfills together, over all of theirs), which
// first refreshes the relationship graph around them (runs-relink.ts) and then classifies them
// as of one instant, with monitoring and the fence as in any run.
// While a backfill is open the platform's entities keep the classes they had: other runs (the
// daily one included) pass over them (backfill-scope.ts); other platforms' batches are rescored
// as usual.
import { eq, inArray } from "drizzle-orm";
import { appendAudit } from "../audit/index.js";
import { actorLabel } from "../auth/actor.js";
import { authorize, cityWide } from "../auth/authorize.js";
import { backfillView } from "../auth/platform-views.js";
import type { Tx } from "../db/client.js";
import { platform } from "../db/schema/platform.js";
import type { components } from "../generated/openapi.js";
import { AppError } from "../http/errors.js";
import { checkedReason } from "../http/reason.js";
import type { LifecycleContext } from "./lifecycle.js";
import { startRun } from "./runs-job.js";

export type PlatformBackfill = components["schemas"]["PlatformBackfill"];

export interface BackfillInput {
  platformId: string;
  reason: string;
}

type PlatformRow = typeof platform.$inferSelect;

/** Platforms one call may finish together. */
const MAX_PLATFORMS = 100;

/** Opens a backfill (audited); one already open is returned as it is. */
export async function startPlatformBackfill(ctx: LifecycleContext, input: BackfillInput): Promise<PlatformBackfill> {
  authorize(ctx.actor, cityWide("admin"));
  const reason = checkedReason(input.reason);
  return ctx.db.transaction(async (tx) => {
    const current = await lockPlatform(tx, input.platformId);
    if (current.backfillSince !== null) return backfillView(current);
    const now = ctx.clock.now();
    const [row] = await tx.update(platform).set({ backfillSince: now, backfillRunId: null, updatedAt: now }).where(eq(platform.id, current.id)).returning();
    await appendAudit(tx, ctx.clock, { actor: actorLabel(ctx.actor), action: "platform.backfill.start", subjectType: "platform", subjectId: current.id, data: { reason } });
    return backfillView(row!);
  });
}

/**
 * Closes the open backfill and starts the run that classifies the platform's entities (audited).
 * Finishing one already finished returns it as it is.
 */
export async function finishPlatformBackfill(ctx: LifecycleContext, input: BackfillInput): Promise<PlatformBackfill> {
  const { platforms } = await finishPlatformBackfills(ctx, { platformIds: [input.platformId], reason: input.reason });
  return platforms[0]!;
}

/**
 * Closes the open backfills of several platforms and starts ONE run over all their entities (a
 * city connecting its platforms: an entity selling on several of them is classified once). Locking
 * the platform rows waits for their batches in flight (they hold them FOR SHARE), so the run sees
 * all of them. Platforms whose backfill was already finished are returned as they are.
 */
export async function finishPlatformBackfills(ctx: LifecycleContext, input: { platformIds: readonly string[]; reason: string }): Promise<{ runId: string | null; platforms: PlatformBackfill[] }> {
  authorize(ctx.actor, cityWide("admin"));
  const reason = checkedReason(input.reason);
  const ids = [...new Set(input.platformIds.map((id) => id.toLowerCase()))].sort();
  if (ids.length === 0 || ids.length > MAX_PLATFORMS) throw new AppError("VALIDATION_FAILED", `platformIds: 1-${MAX_PLATFORMS} platforms`);
  const result = await ctx.db.transaction(async (tx) => {
    const rows = await tx.select().from(platform).where(inArray(platform.id, ids)).orderBy(platform.id).for("update");
    const missing = ids.find((id) => !rows.some((r) => r.id === id));
    if (missing) throw new AppError("NOT_FOUND", `no such platform: ${missing}`);
    const never = rows.find((r) => r.backfillSince === null && r.backfillRunId === null);
    if (never) throw new AppError("CONFLICT", `no backfill is open for platform ${never.name}`);
    const open = rows.filter((r): r is PlatformRow & { backfillSince: Date } => r.backfillSince !== null);
    if (open.length === 0) return { runId: null, platforms: rows.map(backfillView) };
    const actor = actorLabel(ctx.actor);
    const run = await startRun(ctx, tx, {
      scope: open.length === 1 ? { platformId: open[0]!.id } : { platformIds: open.map((r) => r.id) },
      actor,
      reason: `backfill of ${open.map((r) => r.name).join(", ")} finished: ${reason}`,
      relinkFirst: true,
    });
    const now = ctx.clock.now();
    const finished = await tx
      .update(platform)
      .set({ backfillSince: null, backfillRunId: run.id, updatedAt: now })
      .where(inArray(platform.id, open.map((r) => r.id)))
      .returning();
    for (const r of open) {
      await appendAudit(tx, ctx.clock, {
        actor,
        action: "platform.backfill.finish",
        subjectType: "platform",
        subjectId: r.id,
        data: { reason, since: r.backfillSince.toISOString(), runId: run.id },
      });
    }
    const byId = new Map(finished.map((r) => [r.id, r]));
    return { runId: run.id, platforms: rows.map((r) => backfillView(byId.get(r.id) ?? r)) };
  });
  ctx.kick();
  return result;
}

async function lockPlatform(tx: Tx, platformId: string): Promise<PlatformRow> {
  const [row] = await tx.select().from(platform).where(eq(platform.id, platformId)).for("update");
  if (!row) throw new AppError("NOT_FOUND", "no such platform");
  return row;
}
