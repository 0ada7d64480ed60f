// A platform's backfill: a platform connecting (or reconnecting) sends years of its merchants'
// history through the signed API. Classifying each entity again after every batch of it is
// wasted work — each class is superseded minutes later (about three classifications per entity
// at city scale, bench/results/city.md) — and it misleads: warnings and notices raised from a
// partial history (a licence whose renewal is in a later batch). So a city-wide admin opens a
// backfill for the platform: its batches are stored and receipted as always but ask for no
// rescoring (exchange/backfill-gate.ts). Finishing it starts ONE run over the platform's
// entities, which first refreshes the relationship graph around them (runs-relink.ts) and then
// classifies them as of one instant, with monitoring and the fence as in any run.
// While a backfill is open the platform's entities keep the classes they had; other platforms'
// batches are rescored as usual, and the daily run still classifies everyone.
import { eq } from "drizzle-orm";
import { appendAudit } from "../audit/index.js";
import { actorLabel } from "../auth/actor.js";
import { authorize, cityWide } from "../auth/authorize.js";
import { backfillView } from "../auth/platform-views.js";
import type { Tx } from "../db/client.js";
import { platform } from "../db/schema/platform.js";
import type { components } from "../generated/openapi.js";
import { AppError } from "../http/errors.js";
import type { LifecycleContext } from "./lifecycle.js";
import { startRun } from "./runs-job.js";

export type PlatformBackfill = components["schemas"]["PlatformBackfill"];

export interface BackfillInput {
  platformId: string;
  reason: string;
}

type PlatformRow = typeof platform.$inferSelect;

const view: (p: PlatformRow) => PlatformBackfill = backfillView;

function checkedReason(reason: string): string {
  const r = reason.trim();
  if (r.length === 0 || r.length > 1000) throw new AppError("VALIDATION_FAILED", "reason: 1-1000 characters");
  return r;
}

/** Opens a backfill (audited); one already open is returned as it is. */
export async function startPlatformBackfill(ctx: LifecycleContext, input: BackfillInput): Promise<PlatformBackfill> {
  authorize(ctx.actor, cityWide("admin"));
  const reason = checkedReason(input.reason);
  return ctx.db.transaction(async (tx) => {
    const current = await lockPlatform(tx, input.platformId);
    if (current.backfillSince !== null) return view(current);
    const now = ctx.clock.now();
    const [row] = await tx.update(platform).set({ backfillSince: now, backfillRunId: null, updatedAt: now }).where(eq(platform.id, current.id)).returning();
    await appendAudit(tx, ctx.clock, { actor: actorLabel(ctx.actor), action: "platform.backfill.start", subjectType: "platform", subjectId: current.id, data: { reason } });
    return view(row!);
  });
}

/**
 * Closes the open backfill and starts the run that classifies the platform's entities (audited).
 * Locking the platform row waits for the platform's batches in flight (they hold it FOR SHARE),
 * so the run sees all of them. Finishing one already finished returns it as it is.
 */
export async function finishPlatformBackfill(ctx: LifecycleContext, input: BackfillInput): Promise<PlatformBackfill> {
  authorize(ctx.actor, cityWide("admin"));
  const reason = checkedReason(input.reason);
  const result = await ctx.db.transaction(async (tx) => {
    const current = await lockPlatform(tx, input.platformId);
    if (current.backfillSince === null) {
      if (current.backfillRunId !== null) return view(current);
      throw new AppError("CONFLICT", "no backfill is open for this platform");
    }
    const actor = actorLabel(ctx.actor);
    const run = await startRun(ctx, tx, {
      scope: { platformId: current.id },
      actor,
      reason: `backfill of ${current.name} finished: ${reason}`,
      relinkFirst: true,
    });
    const now = ctx.clock.now();
    const [row] = await tx.update(platform).set({ backfillSince: null, backfillRunId: run.id, updatedAt: now }).where(eq(platform.id, current.id)).returning();
    await appendAudit(tx, ctx.clock, {
      actor,
      action: "platform.backfill.finish",
      subjectType: "platform",
      subjectId: current.id,
      data: { reason, since: current.backfillSince.toISOString(), runId: run.id },
    });
    return view(row!);
  });
  ctx.kick();
  return result;
}

async function lockPlatform(tx: Tx, platformId: string): Promise<PlatformRow> {
  const [row] = await tx.select().from(platform).where(eq(platform.id, platformId)).for("update");
  if (!row) throw new AppError("NOT_FOUND", "no such platform");
  return row;
}
