// The embedded default: runs jobs straight from the outbox in this process, with the same
// handlers, retries and backoff as Bull. A committed row survives a crash because it is only
// marked done after its handler returns; a row left 'running' by a dead process is released
// as soon as the database no longer sees that process's session (at the latest when its lease,
// the job's timeoutMs, lapses) and runs again.
//
// Wakes on kick() and on a timer set for the next due run_at or lease end, capped at
// maxPollMs as a safety net (rows committed by another process, clock moved in tests); no
// busy polling. On PGlite everything shares one connection: drizzle's PGlite transactions
// serialise, so a handler's transaction and the runner's own statements take turns.
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { DEFAULT_TIMEOUT_MS, retryDelayMs } from "./backoff.js";
import type { JobEventListener } from "./events.js";
import { errorText, silentLogger, type JobLogger } from "./logger.js";
import { createOutboxStore, type ClaimedRow } from "./outbox-store.js";
import { isPermanent, type JobRegistry } from "./registry.js";
import type { JobCounts, JobRunner } from "./types.js";

/** How often a runner looks for rows left running by a process that died. */
const ORPHAN_CHECK_MS = 5_000;

export interface InProcessRunnerOptions {
  db: Database;
  clock: Clock;
  registry: JobRegistry;
  /** Jobs run at once (default 4). */
  concurrency?: number;
  /** Longest sleep between outbox checks (default 1 s). */
  maxPollMs?: number;
  logger?: JobLogger;
  onEvent?: JobEventListener;
  /** Jitter source for retry delays (tests pass a fixed one). */
  random?: () => number;
}

export class InProcessRunner implements JobRunner {
  readonly kind = "in-process" as const;
  private readonly store;
  private readonly concurrency: number;
  private readonly maxPollMs: number;
  private readonly logger: JobLogger;
  private readonly inFlight = new Set<Promise<void>>();
  private started = false;
  private stopping = false;
  /** Outbox passes run one at a time, in order. */
  private passes: Promise<unknown> = Promise.resolve();
  /** A kick's pass is queued and not yet begun: further kicks ride on it. */
  private kickQueued = false;
  private timer: NodeJS.Timeout | undefined;
  /** When runs of dead processes were last looked for (at most every ORPHAN_CHECK_MS). */
  private orphansCheckedAt = -Infinity;

  constructor(private readonly options: InProcessRunnerOptions) {
    this.store = createOutboxStore(options.db);
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.maxPollMs = options.maxPollMs ?? 1000;
    this.logger = options.logger ?? silentLogger;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.started = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    // Waits for running handlers so their outcome is recorded; nothing new is claimed.
    await this.passes;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.stopping = false;
  }

  kick(): void {
    if (!this.started || this.stopping || this.kickQueued) return;
    this.kickQueued = true;
    void this.pass(() => (this.kickQueued = false)).then(
      () => this.sleepUntilNextDue(this.maxPollMs, true),
      (err: unknown) => {
        // Database unreachable or similar: stay alive and try again after a poll interval.
        this.logger.error({ err: errorText(err) }, "job runner: outbox pass failed");
        return this.sleepUntilNextDue(this.maxPollMs, false);
      },
    );
  }

  /**
   * Runs everything due now (by the clock) and waits for it, including retries that fall
   * due meanwhile; returns when nothing due is left. Works whether or not the runner was
   * started: tests and the CLI use it to run jobs deterministically.
   */
  async drain(): Promise<void> {
    for (;;) {
      const claimed = await this.pass();
      if (claimed === 0 && this.inFlight.size === 0) return;
      await Promise.allSettled([...this.inFlight]);
    }
  }

  counts(): Promise<Record<string, JobCounts>> {
    return this.store.counts();
  }

  ping(): Promise<void> {
    return this.options.db.ping();
  }

  private pass(onBegin?: () => void): Promise<number> {
    const run = this.passes.then(() => {
      onBegin?.();
      return this.passNow();
    });
    this.passes = run.catch(() => {});
    return run;
  }

  /** One pass: release lapsed leases, then fill free slots with due rows. Returns rows claimed. */
  private async passNow(): Promise<number> {
    await this.releaseLapsedLeases();
    let claimed = 0;
    while (!this.stopping && this.inFlight.size < this.concurrency) {
      const free = this.concurrency - this.inFlight.size;
      const rows = await this.store.claimDue(this.options.clock.now(), free, this.leases(), DEFAULT_TIMEOUT_MS);
      for (const row of rows) this.launch(row);
      claimed += rows.length;
      if (rows.length < free) break;
    }
    return claimed;
  }

  private async sleepUntilNextDue(maxDelay: number, lookUp: boolean): Promise<void> {
    let delay = maxDelay;
    if (lookUp && this.inFlight.size < this.concurrency) {
      try {
        const { runAt, leaseEnd } = await this.store.nextWake();
        const now = this.options.clock.now().getTime();
        for (const at of [runAt, leaseEnd]) if (at) delay = Math.min(delay, Math.max(0, at.getTime() - now));
      } catch {
        // Fall back to the poll interval.
      }
    }
    // A kick queued meanwhile will set its own timer when its pass ends.
    if (!this.started || this.stopping || this.kickQueued) return;
    clearTimeout(this.timer);
    // unref: a pending wake-up alone must not keep a finished process (or test) alive.
    this.timer = setTimeout(() => this.kick(), delay).unref();
  }

  private leases(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of this.options.registry.names()) out[name] = this.options.registry.require(name).timeoutMs;
    return out;
  }

  private async releaseLapsedLeases(): Promise<void> {
    const now = this.options.clock.now();
    const released = await this.store.releaseLapsedLeases(now);
    // Real time, not the injectable clock: this paces a database query, it decides nothing.
    if (performance.now() - this.orphansCheckedAt >= ORPHAN_CHECK_MS) {
      this.orphansCheckedAt = performance.now();
      released.push(...(await this.store.releaseOrphanedLeases(now)));
    }
    for (const r of released) {
      this.logger.warn({ jobId: r.id, job: r.job, attempt: r.attempt, status: r.status }, "job lease expired");
      if (r.status === "failed") {
        this.options.onEvent?.({ type: "failed", id: r.id, job: r.job, attempt: r.attempt, error: "lease expired" });
      }
    }
  }

  private launch(row: ClaimedRow): void {
    const run = this.execute(row).finally(() => {
      this.inFlight.delete(run);
      this.kick(); // a slot is free
    });
    this.inFlight.add(run);
  }

  private async execute(row: ClaimedRow): Promise<void> {
    const { clock, registry, onEvent } = this.options;
    const base = { id: row.id, job: row.job, attempt: row.attempt };
    try {
      await registry.run(row.job, row.payload, { jobId: row.id, attempt: row.attempt });
    } catch (err) {
      await this.recordFailure(row, err);
      return;
    }
    try {
      await this.store.markRunDone(row.id, row.attempt, clock.now());
      onEvent?.({ type: "done", ...base });
    } catch (err) {
      // The handler ran; the row stays 'running' and its lease will lapse, so it runs again
      // (handlers are idempotent). Nothing better is possible without the database.
      this.logger.error({ jobId: row.id, job: row.job, err: errorText(err) }, "job done but not recorded");
    }
  }

  private async recordFailure(row: ClaimedRow, err: unknown): Promise<void> {
    const { clock, registry, onEvent } = this.options;
    const error = errorText(err);
    const base = { id: row.id, job: row.job, attempt: row.attempt, error };
    try {
      const now = clock.now();
      const definition = registry.get(row.job);
      if (isPermanent(err) || !definition || row.attempt >= row.maxAttempts) {
        await this.store.markRunFailed(row.id, row.attempt, now, error);
        this.logger.error({ jobId: row.id, job: row.job, attempt: row.attempt, err: error }, "job failed");
        onEvent?.({ type: "failed", ...base });
        return;
      }
      const retryAt = new Date(now.getTime() + retryDelayMs(definition.backoffMs, row.attempt, this.options.random, definition.maxBackoffMs));
      await this.store.markRunRetry(row.id, row.attempt, now, retryAt, error);
      this.logger.warn({ jobId: row.id, job: row.job, attempt: row.attempt, err: error, retryAt }, "job will retry");
      onEvent?.({ type: "retry", ...base, retryAt });
    } catch (dbErr) {
      this.logger.error({ jobId: row.id, job: row.job, err: errorText(dbErr) }, "job failure not recorded");
    }
  }
}
