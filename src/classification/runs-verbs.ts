// Run verbs for the regulator API and the CLI: start (admin, audited), list, get. Runs are
// region-scoped like everything regulators see: an admin starts runs inside their region only.
import { sql } from "drizzle-orm";
import { appendAudit } from "../audit/index.js";
import { actorLabel } from "../auth/actor.js";
import { AppError } from "../http/errors.js";
import { effectivePrefix } from "./distribution.js";
import { requireAdmin, requireReader, type LifecycleContext } from "./lifecycle.js";
import { startRun } from "./runs-job.js";
import { findRun, listRuns, listRunsInRegion, runInRegion, runToApi, type ReclassificationRun, type RunScope } from "./runs-store.js";

export async function startReclassification(
  ctx: LifecycleContext,
  input: { regionPrefix?: string | undefined; platformId?: string | undefined; reason: string; chunkSize?: number | undefined },
): Promise<ReclassificationRun> {
  requireAdmin(ctx.actor);
  let regionPrefix = input.regionPrefix ?? "";
  if (ctx.actor.kind === "regulator") {
    const p = effectivePrefix(ctx.actor.regionPrefix, input.regionPrefix);
    if (p === null) throw new AppError("FORBIDDEN", `region ${input.regionPrefix} is outside your region scope`);
    regionPrefix = p;
  }
  const scope: RunScope = { ...(regionPrefix ? { regionPrefix } : {}), ...(input.platformId ? { platformId: input.platformId } : {}) };
  const actor = actorLabel(ctx.actor);
  const run = await ctx.db.transaction(async (tx) => {
    if (input.platformId) {
      const [p] = await ctx.db.rows(sql`select 1 as ok from platform where id = ${input.platformId}::uuid`, tx);
      if (!p) throw new AppError("NOT_FOUND", "no such platform");
    }
    const row = await startRun(ctx, tx, { scope, actor, reason: input.reason, ...(input.chunkSize ? { chunkSize: input.chunkSize } : {}) });
    await appendAudit(tx, ctx.clock, { actor, action: "reclassification.start", subjectType: "reclass_run", subjectId: row.id, data: { scope, reason: input.reason, modelVersion: row.modelVersion } });
    return row;
  });
  ctx.kick();
  return runToApi(run);
}

export async function listReclassifications(ctx: Pick<LifecycleContext, "db" | "actor">, input: { limit?: number | undefined }): Promise<ReclassificationRun[]> {
  requireReader(ctx.actor);
  const limit = Math.min(200, Math.max(1, input.limit ?? 50));
  const rows = ctx.actor.kind === "regulator" ? await listRunsInRegion(ctx.db.orm, ctx.actor.regionPrefix, limit) : await listRuns(ctx.db.orm, limit);
  return rows.map(runToApi);
}

export async function getReclassification(ctx: Pick<LifecycleContext, "db" | "actor">, input: { runId: string }): Promise<ReclassificationRun> {
  requireReader(ctx.actor);
  const run = await findRun(ctx.db.orm, input.runId);
  if (!run || (ctx.actor.kind === "regulator" && !runInRegion(run, ctx.actor.regionPrefix))) throw new AppError("NOT_FOUND", "no such reclassification run");
  return runToApi(run);
}
