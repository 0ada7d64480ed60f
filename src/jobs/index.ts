// The jobs module's front door. main.ts builds one JobRegistry, lets every domain define its
// jobs on it, then calls createJobs(); domain code only ever sees `enqueue` / `enqueueMany`.
//
//   const registry = new JobRegistry();
//   registerWebhookJobs(registry, deps);              // domains: registry.define(defineJob({...}))
//   const jobs = createJobs({ db, clock, registry, redisUrl: config.redisUrl, role: config.role,
//                             concurrency: config.workerConcurrency, logger, schedules: [...] });
//   await jobs.start();                              // after migrations, before serving
//   ...
//   await db.transaction((tx) => jobs.enqueue(tx, "webhook.deliver", { id }));
//   jobs.runner.kick();                              // after commit: run now, not at the next poll
//   ...
//   await jobs.stop();                               // graceful shutdown, before db.close()
//
// Roles: no REDIS_URL -> in-process runner (only ROLE=all: config.ts refuses the others).
// With REDIS_URL -> Bull: ROLE=api writes rows and wakes the relays; ROLE=worker and ROLE=all
// run the relay and the workers. Schedules are ensured where workers run.
import type { Clock } from "../clock.js";
import type { Role } from "../config.js";
import type { Database } from "../db/client.js";
import { BullRunner } from "./bull-runner.js";
import type { JobEventListener } from "./events.js";
import { InProcessRunner } from "./in-process-runner.js";
import type { JobLogger } from "./logger.js";
import { createEnqueue, createEnqueueMany, type EnqueueMany } from "./outbox.js";
import { outboxCleanupJob, outboxCleanupSchedule } from "./outbox-cleanup.js";
import type { JobRegistry } from "./registry.js";
import { defineSchedules, type ScheduleSpec } from "./schedules.js";
import type { Enqueue, JobRunner } from "./types.js";

export { PermanentJobError } from "./types.js";
export type { Enqueue, EnqueueOptions, JobContext, JobCounts, JobDefinition, JobRunner } from "./types.js";
export { JobRegistry, defineJob } from "./registry.js";
export { createEnqueue, createEnqueueMany, enqueueOnce, type EnqueueMany, type EnqueueRow } from "./outbox.js";
export { JobEventLog, type JobEvent, type JobEventListener } from "./events.js";
export type { JobLogger } from "./logger.js";
export { defineSchedules, nextOccurrence, SCHEDULE_TICK_JOB, type ScheduleSpec, type Schedules } from "./schedules.js";
export { OUTBOX_CLEANUP_JOB, outboxCleanupJob, outboxCleanupSchedule, deleteDoneOutboxRows } from "./outbox-cleanup.js";
export { InProcessRunner } from "./in-process-runner.js";
export { BullRunner } from "./bull-runner.js";

export interface JobRunnerOptions {
  db: Database;
  clock: Clock;
  registry: JobRegistry;
  /** Bull on Redis when set; the in-process runner otherwise. */
  redisUrl?: string | undefined;
  role: Role;
  /** Jobs run at once (in-process) or per queue (Bull worker). */
  concurrency: number;
  logger?: JobLogger;
  onEvent?: JobEventListener;
  /** Bull key prefix (default "csg"). */
  bullPrefix?: string;
}

export function createJobRunner(o: JobRunnerOptions): JobRunner {
  if (o.redisUrl) {
    return new BullRunner({
      db: o.db,
      clock: o.clock,
      registry: o.registry,
      redisUrl: o.redisUrl,
      role: o.role,
      concurrency: o.concurrency,
      prefix: o.bullPrefix,
      logger: o.logger,
      onEvent: o.onEvent,
    });
  }
  // Without Redis the outbox is drained by whoever runs it; an api-only process would leave
  // jobs to nobody (config.ts rejects that combination too).
  if (o.role !== "all") throw new Error(`ROLE=${o.role} needs REDIS_URL: without it jobs run in-process (ROLE=all)`);
  return new InProcessRunner({
    db: o.db,
    clock: o.clock,
    registry: o.registry,
    concurrency: o.concurrency,
    logger: o.logger,
    onEvent: o.onEvent,
  });
}

export interface Jobs {
  runner: JobRunner;
  enqueue: Enqueue;
  enqueueMany: EnqueueMany;
  /** Starts the runner and, where workers run, ensures the schedules' next ticks. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface CreateJobsOptions extends JobRunnerOptions {
  /** Recurring jobs besides the built-in daily outbox cleanup. */
  schedules?: readonly ScheduleSpec[];
  /** Done outbox rows older than this are deleted daily (default 7). */
  outboxRetentionDays?: number;
}

/** Registers the built-in jobs (schedule ticks, outbox cleanup) and builds runner + enqueue. */
export function createJobs(o: CreateJobsOptions): Jobs {
  const { db, clock, registry } = o;
  registry.define(outboxCleanupJob({ db, clock, retentionDays: o.outboxRetentionDays }));
  const schedules = defineSchedules({
    db,
    clock,
    registry,
    schedules: [outboxCleanupSchedule, ...(o.schedules ?? [])],
    kick: () => runner.kick(),
  });
  const runner = createJobRunner(o);
  return {
    runner,
    enqueue: createEnqueue({ clock, registry }),
    enqueueMany: createEnqueueMany({ clock, registry }),
    async start() {
      await runner.start();
      if (o.role !== "api") await schedules.ensure();
      runner.kick();
    },
    stop: () => runner.stop(),
  };
}
