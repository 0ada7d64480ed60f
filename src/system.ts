// Composition root shared by main.ts and the end-to-end tests: given a database, a clock and a
// logger, it builds the job registry, the job runner and the HTTP app. Each domain registers
// its jobs and handlers here; nothing in it performs I/O until start().
import type { Logger } from "pino";
import { createApp, type App } from "./app.js";
import type { Clock } from "./clock.js";
import type { Role } from "./config.js";
import type { Database } from "./db/client.js";
import { createJobs, JobRegistry, type JobEventListener, type Jobs } from "./jobs/index.js";

export interface SystemOptions {
  db: Database;
  clock: Clock;
  logger: Logger;
  issuer: string;
  bodyLimitBytes: number;
  role: Role;
  redisUrl: string | undefined;
  workerConcurrency: number;
  /** Redis key prefix for Bull (tests give each file its own). */
  bullPrefix?: string;
  onJobEvent?: JobEventListener;
}

export interface System {
  app: App;
  jobs: Jobs;
  registry: JobRegistry;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function buildSystem(o: SystemOptions): System {
  const registry = new JobRegistry();
  const jobs = createJobs({
    db: o.db,
    clock: o.clock,
    registry,
    redisUrl: o.redisUrl,
    role: o.role,
    concurrency: o.workerConcurrency,
    logger: o.logger.child({ component: "jobs" }),
    ...(o.onJobEvent ? { onEvent: o.onJobEvent } : {}),
    ...(o.bullPrefix ? { bullPrefix: o.bullPrefix } : {}),
  });
  const app = createApp({
    db: o.db,
    jobs: jobs.runner,
    clock: o.clock,
    logger: o.logger,
    issuer: o.issuer,
    bodyLimitBytes: o.bodyLimitBytes,
  });
  return {
    app,
    jobs,
    registry,
    start: () => jobs.start(),
    stop: () => jobs.stop(),
  };
}
