// Jobs on Redis through Bull, fed from the outbox by a relay.
//
// One Bull queue per job name (not one queue with named processors): each job gets its own
// concurrency, retention and backlog, so a slow webhook target cannot starve re-scoring,
// and Bull's counts and UI read per job. Connections are shared across queues (see
// bull-connections.ts), so the cost is one blocking connection per queue.
//
// Roles: the relay runs wherever workers run (ROLE=worker and ROLE=all). API processes
// (ROLE=api) only write outbox rows; their kick() publishes on a Redis channel that every
// relay listens to, so a job committed by the API is relayed at once instead of at the next
// poll. Queues are never emptied or obliterated on boot: jobs in Redis belong to rows that
// are already marked dispatched.
import Bull from "bull";
import type { Redis } from "ioredis";
import type { Clock } from "../clock.js";
import type { Role } from "../config.js";
import type { Database } from "../db/client.js";
import { BullConnections } from "./bull-connections.js";
import { bullBackoffStrategies, type BullJobData } from "./bull-job.js";
import { OutboxRelay } from "./bull-relay.js";
import type { JobEventListener } from "./events.js";
import { errorText, silentLogger, type JobLogger } from "./logger.js";
import { createOutboxStore } from "./outbox-store.js";
import { isPermanent, type JobRegistry } from "./registry.js";
import type { JobCounts, JobRunner } from "./types.js";

export interface BullRunnerOptions {
  db: Database;
  clock: Clock;
  registry: JobRegistry;
  redisUrl: string;
  role: Role;
  /** Jobs a worker runs at once per queue. */
  concurrency?: number;
  /** Redis key prefix (default "csg"); tests use a unique one per file. */
  prefix?: string;
  logger?: JobLogger;
  onEvent?: JobEventListener;
  /** Relay: rows per transaction (default 500). */
  relayBatchSize?: number;
  /** Relay: hand rows to Bull this long before they are due (default 5 s). */
  relayLookaheadMs?: number;
  /** Relay: longest sleep between outbox checks (default 1 s). */
  maxPollMs?: number;
  /** Relay: re-add rows dispatched this long ago whose Bull job Redis lost (default 10 min). */
  redispatchAfterMs?: number;
}

export class BullRunner implements JobRunner {
  readonly kind = "bull" as const;
  private readonly connections: BullConnections;
  private readonly queues = new Map<string, Bull.Queue<BullJobData>>();
  private readonly store;
  private readonly logger: JobLogger;
  private readonly prefix: string;
  private readonly kickChannel: string;
  private readonly runsWorkers: boolean;
  private relay: OutboxRelay | undefined;
  /** Outbox ids this process is running: a lost Redis job of one of them is not re-added. */
  private readonly active = new Set<number>();
  private publisher: Redis | undefined;
  private started: Promise<void> | undefined;

  constructor(private readonly o: BullRunnerOptions) {
    this.connections = new BullConnections(o.redisUrl);
    this.store = createOutboxStore(o.db);
    this.logger = o.logger ?? silentLogger;
    this.prefix = o.prefix ?? "csg";
    this.kickChannel = `${this.prefix}:outbox:kick`;
    this.runsWorkers = o.role !== "api";
  }

  start(): Promise<void> {
    return (this.started ??= this.startOnce());
  }

  private async startOnce(): Promise<void> {
    if (!this.runsWorkers) {
      this.publisher = this.connections.command();
      return;
    }
    for (const name of this.o.registry.names()) this.startWorker(name);
    await Promise.all([...this.queues.values()].map((q) => q.isReady()));
    const client = this.connections.command();
    this.relay = new OutboxRelay({
      db: this.o.db,
      clock: this.o.clock,
      registry: this.o.registry,
      queueFor: (job) => this.queue(job),
      logger: this.logger,
      batchSize: this.o.relayBatchSize ?? 500,
      lookaheadMs: this.o.relayLookaheadMs ?? 5000,
      maxPollMs: this.o.maxPollMs ?? 1000,
      redispatchAfterMs: this.o.redispatchAfterMs ?? 10 * 60_000,
      redisReady: () => client.status === "ready",
      isRunning: (id) => this.active.has(id),
    });
    // The client is ready now, so each later "ready" is a reconnect: whatever Redis held may be gone.
    client.on("ready", () => {
      this.logger.warn({}, "redis reconnected: re-adding dispatched jobs it no longer holds");
      this.relay?.recoverLost();
    });
    const kicks = this.connections.open({ enableReadyCheck: false, maxRetriesPerRequest: null });
    kicks.on("message", () => this.relay?.kick());
    await kicks.subscribe(this.kickChannel);
    this.relay.start();
  }

  async stop(): Promise<void> {
    const started = this.started;
    this.started = undefined;
    await started?.catch(() => {});
    await this.relay?.stop();
    this.relay = undefined;
    // close() waits for active jobs so their outcome reaches the outbox.
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
    await this.connections.closeAll();
    this.publisher = undefined;
  }

  kick(): void {
    if (this.relay) return this.relay.kick();
    // API role: wake the relays in the worker processes. Redis down: they poll the outbox
    // anyway, so queueing kicks for later would only pile them up.
    if (this.publisher?.status !== "ready") return;
    this.publisher.publish(this.kickChannel, "1").catch((err: unknown) => {
      this.logger.warn({ err: errorText(err) }, "job kick not published; relays will poll");
    });
  }

  counts(): Promise<Record<string, JobCounts>> {
    return this.store.counts();
  }

  async ping(): Promise<void> {
    await this.connections.command().ping();
  }

  private queue(name: string): Bull.Queue<BullJobData> {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Bull<BullJobData>(name, {
        prefix: this.prefix,
        createClient: this.connections.createClient,
        settings: { backoffStrategies: bullBackoffStrategies },
      });
      queue.on("error", (err) => this.logger.error({ queue: name, err: errorText(err) }, "bull queue error"));
      this.queues.set(name, queue);
    }
    return queue;
  }

  private startWorker(name: string): void {
    const queue = this.queue(name);
    queue
      .process(this.o.concurrency ?? 4, async (job: Bull.Job<BullJobData>) => {
        const { outboxId } = job.data;
        this.active.add(outboxId);
        try {
          await this.runOne(name, job);
        } finally {
          this.active.delete(outboxId);
        }
      })
      .catch((err: unknown) => this.logger.error({ queue: name, err: errorText(err) }, "bull worker stopped"));
    queue.on("completed", (job: Bull.Job<BullJobData>) => {
      const attempt = job.data.priorAttempts + job.attemptsMade + 1;
      this.o.onEvent?.({ type: "done", id: job.data.outboxId, job: name, attempt });
    });
    // The processor records each failed attempt; this listener also sees what never reaches
    // the processor's catch (timeouts, stalled jobs), and only Bull knows the final verdict:
    // finishedOn is set only when the job has failed for good.
    queue.on("failed", (job: Bull.Job<BullJobData>, err: Error) => {
      void this.recordFailure(name, job, err);
    });
  }

  private async runOne(name: string, job: Bull.Job<BullJobData>): Promise<void> {
    const { outboxId, payload, priorAttempts } = job.data;
    const { registry, clock } = this.o;
    const attempt = priorAttempts + job.attemptsMade + 1;
    try {
      await registry.run(name, payload, { jobId: outboxId, attempt });
    } catch (err) {
      const permanent = isPermanent(err);
      if (permanent) await job.discard();
      // Recorded before Bull schedules the retry, so attempt outcomes reach the outbox in order.
      const final = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      await this.store
        .recordDispatchedOutcome(outboxId, attempt, clock.now(), { status: final ? "failed" : "retrying", error: errorText(err) })
        .catch((dbErr: unknown) => this.logger.error({ jobId: outboxId, job: name, err: errorText(dbErr) }, "job failure not recorded"));
      throw err;
    }
    // Before Bull marks it completed: if this write fails the job is retried (idempotent
    // handlers), rather than completed in Redis and forever 'dispatched' in the outbox.
    await this.store.recordDispatchedOutcome(outboxId, attempt, clock.now(), { status: "done" });
  }

  private async recordFailure(name: string, job: Bull.Job<BullJobData>, err: Error): Promise<void> {
    const id = job.data.outboxId;
    const attempt = job.data.priorAttempts + job.attemptsMade;
    const error = errorText(err);
    if (job.finishedOn == null) {
      this.logger.warn({ jobId: id, job: name, attempt, err: error }, "job will retry");
      this.o.onEvent?.({ type: "retry", id, job: name, attempt, error });
      return;
    }
    try {
      // A no-op when the processor already recorded it (the row is final).
      await this.store.recordDispatchedOutcome(id, attempt, this.o.clock.now(), { status: "failed", error });
    } catch (dbErr) {
      this.logger.error({ jobId: id, job: name, err: errorText(dbErr) }, "job failure not recorded in the outbox");
    }
    this.logger.error({ jobId: id, job: name, attempt, err: error }, "job failed");
    this.o.onEvent?.({ type: "failed", id, job: name, attempt, error });
  }
}
