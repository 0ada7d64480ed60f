// Runs as jobs, so they survive restarts on both runners:
//  - classification.run {runId}: executes a run for a time slice, then hands over to a fresh
//    job (enqueued in the transaction that releases the lease), so no single job outlives its
//    runner lease however large the population; a crash resumes from the run's cursor.
//  - classification.run-daily {}: the daily schedule's job; creates a run over everything.
// startRun() is the one way a run begins (API, CLI, activation, schedule): the run row and
// its job are written in the caller's transaction.
import type { Executor } from "../db/client.js";
import { defineJob, PermanentJobError, type Enqueue, type JobDefinition } from "../jobs/index.js";
import type { ScheduleSpec } from "../jobs/schedules.js";
import { getActiveModel } from "./models.js";
import { executeRun, markRunFailed, type RunEngineDeps } from "./runs.js";
import { insertRun, type NewRun, type RunRow } from "./runs-store.js";

export const RUN_JOB = "classification.run";
export const DAILY_RUN_JOB = "classification.run-daily";
/** Work per job before handing over to a continuation job. */
export const RUN_SLICE_MS = 60_000;
const RUN_JOB_TIMEOUT_MS = 10 * 60_000;
const RUN_MAX_ATTEMPTS = 10;

export const DAILY_RUN_SCHEDULE: ScheduleSpec = { name: "reclassify-daily", job: DAILY_RUN_JOB, everyMs: 86_400_000, at: "02:00" };

export type RunJobDeps = RunEngineDeps & { enqueue: Enqueue; kick: () => void };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const activeVersion = async (on: Executor): Promise<string> => (await getActiveModel(on, { fresh: true })).version;

/** Creates a pending run and its job in the caller's transaction; kick the runner after commit. */
export async function startRun(deps: Pick<RunJobDeps, "clock" | "enqueue">, tx: Executor, run: Omit<NewRun, "modelVersion"> & { modelVersion?: string }): Promise<RunRow> {
  const row = await insertRun(tx, deps.clock, { ...run, modelVersion: run.modelVersion ?? (await activeVersion(tx)) });
  await deps.enqueue(tx, RUN_JOB, { runId: row.id }, { dedupKey: `reclass-run:${row.id}` });
  return row;
}

export function runJob(deps: RunJobDeps): JobDefinition<{ runId: string }> {
  return defineJob<{ runId: string }>({
    name: RUN_JOB,
    maxAttempts: RUN_MAX_ATTEMPTS,
    backoffMs: 2_000,
    timeoutMs: RUN_JOB_TIMEOUT_MS,
    parse(payload) {
      const runId = (payload as { runId?: unknown } | null)?.runId;
      if (typeof runId !== "string" || !UUID.test(runId)) throw new PermanentJobError("classification.run needs {runId: uuid}");
      return { runId };
    },
    async handle({ runId }, ctx) {
      try {
        const result = await executeRun(deps, runId, {
          owner: `job:${ctx.jobId}`,
          sliceMs: RUN_SLICE_MS,
          onYield: (tx) => deps.enqueue(tx, RUN_JOB, { runId }, { dedupKey: `reclass-run:${runId}` }),
        });
        if (result.outcome === "yielded") deps.kick();
        if (result.outcome === "busy") {
          // Another executor (the CLI, or a live job) holds the lease. Look again when it
          // lapses: if that executor died, this run continues from its cursor then.
          const at = new Date(Math.max(deps.clock.now().getTime(), result.run.leaseUntil?.getTime() ?? 0) + 1_000);
          await deps.enqueue(deps.db.orm, RUN_JOB, { runId }, { runAt: at, dedupKey: `reclass-run:${runId}` });
        }
      } catch (err) {
        if (ctx.attempt >= RUN_MAX_ATTEMPTS) await markRunFailed(deps, runId, err instanceof Error ? err.message : String(err));
        throw err;
      }
    },
  });
}

export function dailyRunJob(deps: RunJobDeps): JobDefinition<Record<string, never>> {
  return defineJob<Record<string, never>>({
    name: DAILY_RUN_JOB,
    parse: () => ({}),
    async handle() {
      // The tick enqueues this job once per occurrence, so one run per day.
      await deps.db.transaction((tx) => startRun(deps, tx, { scope: {}, actor: "system:reclassify-daily", reason: "daily full run" }));
      deps.kick();
    },
  });
}

/** Defines the run jobs on a registry (the classification module's register()). */
export function registerRunJobs(registry: { define<P>(d: JobDefinition<P>): unknown }, deps: Omit<RunJobDeps, "activeModelVersion">): void {
  const full: RunJobDeps = { ...deps, activeModelVersion: activeVersion };
  registry.define(runJob(full));
  registry.define(dailyRunJob(full));
}
