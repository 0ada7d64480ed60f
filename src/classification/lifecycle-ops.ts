// The classification operations the operator CLI needs, bound to the module's dependencies:
// the CLI runs them directly (its own database connection) or, on the embedded database
// while a gateway holds it, the gateway runs them for it through the admin socket.
import { authorize, regulator } from "../auth/authorize.js";
import type { Actor } from "../auth/actor.js";
import type { ServiceDeps } from "../services.js";
import type { ClassifyEntities, ComputeFeatures } from "./contracts.js";
import { activateModelVerb, listModels, rollbackModel, type LifecycleContext } from "./lifecycle.js";
import { compareWithActive, trainCandidate } from "./lifecycle-train.js";
import { executeRun, type ExecuteOptions, type ExecuteResult } from "./runs.js";
import { activeVersion, RUN_JOB } from "./runs-job.js";
import { getReclassification, startReclassification } from "./runs-verbs.js";

export type ClassificationOpsDeps = Pick<ServiceDeps, "db" | "clock" | "enqueue" | "kick"> & {
  classify: ClassifyEntities;
  computeFeatures: ComputeFeatures;
};

export function createClassificationOps(deps: ClassificationOpsDeps) {
  const ctx = (actor: Actor): LifecycleContext => ({ db: deps.db, clock: deps.clock, enqueue: deps.enqueue, kick: deps.kick, actor });
  return {
    startRun: (actor: Actor, input: { regionPrefix?: string; platformId?: string; reason: string; chunkSize?: number }) => startReclassification(ctx(actor), input),
    getRun: (actor: Actor, runId: string) => getReclassification(ctx(actor), { runId }),
    /** Asks the job runner to continue an unfinished run (e.g. one a killed CLI left behind). */
    async resumeRun(actor: Actor, runId: string) {
      authorize(actor, regulator("admin"));
      const run = await getReclassification(ctx(actor), { runId });
      if (run.status === "pending" || run.status === "running") {
        await deps.enqueue(deps.db.orm, RUN_JOB, { runId }, { dedupKey: `reclass-run:${runId}` });
        deps.kick();
      }
      return run;
    },
    /** Executes a run in this process (the CLI); see runs.ts for the lease and resume rules. */
    executeRun: (runId: string, o: ExecuteOptions): Promise<ExecuteResult> =>
      executeRun({ db: deps.db, clock: deps.clock, classify: deps.classify, activeModelVersion: activeVersion }, runId, o),
    listModels: (actor: Actor) => listModels(ctx(actor)),
    activate: (actor: Actor, input: { version: string; reason: string }) => activateModelVerb(ctx(actor), input),
    rollback: (actor: Actor, input: { reason: string }) => rollbackModel(ctx(actor), input),
    train: (input: { cut: string; horizonDays?: number }) => trainCandidate(deps, input),
    compare: (input: { version: string }) => compareWithActive(deps, input),
  };
}

export type ClassificationOps = ReturnType<typeof createClassificationOps>;
