// Run verbs for the regulator API and the CLI: start (admin, audited), list, get. Runs are
// region-scoped like everything regulators see: an admin starts runs inside their region only.
import { authorize, regulator } from "../auth/authorize.js";
import { sql } from "drizzle-orm";
import { appendAudit } from "../audit/index.js";
import { actorLabel } from "../auth/actor.js";
import { AppError } from "../http/errors.js";
import type { LifecycleContext } from "./lifecycle.js";
import { startRun } from "./runs-job.js";
import { findRun, listRuns, listRunsInRegion, runInRegion, runToApi, type ReclassificationRun, type RunScope } from "./runs-store.js";

export async function startReclassification(
  ctx: LifecycleContext,
  input: { regionPrefix?: string | undefined; platformId?: string | undefined; reason: string; chunkSize?: number | undefined },
): Promise<ReclassificationRun> {
  const regionPrefix = authorize(ctx.actor, regulator("admin", input.regionPrefix)).scope;
  if (regionPrefix === null) throw new AppError("FORBIDDEN", `region ${input.regionPrefix} is outside your region scope`);
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
  const { regionPrefix } = authorize(ctx.actor, regulator("viewer"));
  const limit = Math.min(200, Math.max(1, input.limit ?? 50));
  const rows = regionPrefix !== "" ? await listRunsInRegion(ctx.db.orm, regionPrefix, limit) : await listRuns(ctx.db.orm, limit);
  return rows.map(runToApi);
}

export async function getReclassification(ctx: Pick<LifecycleContext, "db" | "actor">, input: { runId: string }): Promise<ReclassificationRun> {
  const { regionPrefix } = authorize(ctx.actor, regulator("viewer"));
  const run = await findRun(ctx.db.orm, input.runId);
  if (!run || !runInRegion(run, regionPrefix)) throw new AppError("NOT_FOUND", "no such reclassification run");
  return runToApi(run);
}
