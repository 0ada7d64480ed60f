// The classification operations the operator CLI needs, bound to the module's dependencies:
// the CLI runs them directly (its own database connection) or, on the embedded database
// while a gateway holds it, the gateway runs them for it through the admin socket.
import { authorize, regulator } from "../auth/authorize.js";
import type { Actor } from "../auth/actor.js";
import type { ServiceDeps } from "../services.js";
import type { ClassifyEntities, ComputeFeatures } from "./contracts.js";
import { finishPlatformBackfills, startPlatformBackfill } from "./backfill.js";
import { activateModelVerb, listModels, rollbackModel, type LifecycleContext } from "./lifecycle.js";
import { compareWithActive, trainCandidate } from "./lifecycle-train.js";
import { rebuildLinks } from "./relationships-rebuild.js";
import { executeRun, type ExecuteOptions, type ExecuteResult, type RunEngineDeps } from "./runs.js";
import { activeVersion, RUN_JOB } from "./runs-job.js";
import { getReclassification, startReclassification } from "./runs-verbs.js";

export type ClassificationOpsDeps = Pick<ServiceDeps, "db" | "clock" | "enqueue" | "enqueueMany" | "kick"> & {
  classify: ClassifyEntities;
  computeFeatures: ComputeFeatures;
  heldLookbackDays?: RunEngineDeps["heldLookbackDays"];
};

export function createClassificationOps(deps: ClassificationOpsDeps) {
  const full = (ctx: { actor: Actor }): LifecycleContext => ({ db: deps.db, clock: deps.clock, enqueue: deps.enqueue, kick: deps.kick, actor: ctx.actor });
  return {
    startRun: (ctx: { actor: Actor }, input: { regionPrefix?: string; platformId?: string; reason: string; chunkSize?: number }) => startReclassification(full(ctx), input),
    getRun: (ctx: { actor: Actor }, input: { runId: string }) => getReclassification(full(ctx), input),
    /** Asks the job runner to continue an unfinished run (e.g. one a killed CLI left behind). */
    async resumeRun(ctx: { actor: Actor }, input: { runId: string }) {
      authorize(ctx.actor, regulator("admin"));
      const run = await getReclassification(full(ctx), input);
      if (run.status === "pending" || run.status === "running") {
        await deps.enqueue(deps.db.orm, RUN_JOB, { runId: input.runId }, { dedupKey: `reclass-run:${input.runId}` });
        deps.kick();
      }
      return run;
    },
    /** Executes a run in this process (the CLI); see runs.ts for the lease and resume rules. */
    executeRun: (runId: string, o: ExecuteOptions): Promise<ExecuteResult> =>
      executeRun({ db: deps.db, clock: deps.clock, classify: deps.classify, activeModelVersion: activeVersion, enqueueMany: deps.enqueueMany, heldLookbackDays: deps.heldLookbackDays }, runId, o),
    /** The whole relationship graph from the records as held (after a bulk load of merchants, which asks for no rescoring). */
    async rebuildLinks(ctx: { actor: Actor }) {
      authorize(ctx.actor, regulator("admin"));
      return rebuildLinks(deps.db, deps.clock.now());
    },
    startBackfill: (ctx: { actor: Actor }, input: { platformId: string; reason: string }) => startPlatformBackfill(full(ctx), input),
    finishBackfills: (ctx: { actor: Actor }, input: { platformIds: string[]; reason: string }) => finishPlatformBackfills(full(ctx), input),
    listModels: (ctx: { actor: Actor }) => listModels(full(ctx)),
    activate: (ctx: { actor: Actor }, input: { version: string; reason: string }) => activateModelVerb(full(ctx), input),
    rollback: (ctx: { actor: Actor }, input: { reason: string }) => rollbackModel(full(ctx), input),
    train: (ctx: { actor: Actor }, input: { cut: string; horizonDays?: number }) => trainCandidate({ ...deps, actor: ctx.actor }, input),
    compare: (ctx: { actor: Actor }, input: { version: string }) => compareWithActive({ ...deps, actor: ctx.actor }, input),
  };
}

export type ClassificationOps = ReturnType<typeof createClassificationOps>;
