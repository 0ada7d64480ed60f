// Moves due outbox rows into Bull. Each pass, in one transaction: lock a batch of due pending
// rows (SKIP LOCKED, so relays in several worker processes share the work), add them to
// their Bull queues with jobId "outbox:<row id>", mark them dispatched, commit. If the process
// dies after Bull accepted the jobs but before the commit, the rows are relayed again and Bull
// ignores the second add of an existing jobId; nothing is lost and nothing runs twice.
//
// Only rows due within `lookaheadMs` are relayed (with delay = run_at - now). A deadline two
// weeks out stays in PostgreSQL until shortly before it is due: durable, coalescable by
// dedupKey, and visible to SQL, instead of sitting in Redis memory.
//
// Redis is a queue here, not a store: while it is down rows stay pending, and when it comes
// back (possibly empty) every row handed over before is checked and added again if its job is
// gone, so an outage delays jobs but loses none.
import { sql } from "drizzle-orm";
import type Bull from "bull";
import type { Clock } from "../clock.js";
import { rowsOf, type Database, type Tx } from "../db/client.js";
import { errorText, type JobLogger } from "./logger.js";
import type { JobRegistry } from "./registry.js";
import { bullJobOptions, type BullJobData } from "./bull-job.js";

export interface RelayOptions {
  db: Database;
  clock: Clock;
  registry: JobRegistry;
  queueFor(job: string): Bull.Queue<BullJobData>;
  logger: JobLogger;
  batchSize: number;
  lookaheadMs: number;
  maxPollMs: number;
  /** A row dispatched this long ago with no job in Bull was lost by Redis: hand it over again. */
  redispatchAfterMs: number;
  /** Whether Redis answers now: while it does not, rows stay pending in the outbox. */
  redisReady(): boolean;
  /** Jobs this process is running now (their Bull job may be gone, the run is not). */
  isRunning(outboxId: number): boolean;
}

interface DueRow {
  id: number;
  job: string;
  payload: unknown;
  runAt: Date;
  attempts: number;
  maxAttempts: number;
}

export class OutboxRelay {
  private running = false;
  private passing = false;
  private passAgain = false;
  private current: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastLostCheck = Number.NEGATIVE_INFINITY;
  /** Set when Redis came back: rows dispatched before then may have vanished with it. */
  private reconnectedAt: Date | undefined;

  constructor(private readonly o: RelayOptions) {}

  start(): void {
    this.running = true;
    this.kick();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.current;
  }

  /**
   * Redis reconnected (restarted, failed over, or a network break): without persistence every
   * job it held is gone. Check every row dispatched before now at once, rather than after
   * redispatchAfterMs, so a restart delays no job longer than the outage itself.
   */
  recoverLost(): void {
    this.reconnectedAt = this.o.clock.now();
    this.kick();
  }

  kick(): void {
    if (!this.running) return;
    if (this.passing) {
      this.passAgain = true;
      return;
    }
    this.current = this.loop();
  }

  private async loop(): Promise<void> {
    this.passing = true;
    clearTimeout(this.timer);
    let delay = this.o.maxPollMs;
    try {
      // Redis down: leave the rows pending (durable in the outbox) instead of holding a
      // transaction open while commands wait for a reconnect; poll until it is back.
      if (!this.o.redisReady()) return;
      const reconnectedAt = this.reconnectedAt;
      if (reconnectedAt) {
        this.reconnectedAt = undefined;
        this.lastLostCheck = this.o.clock.now().getTime();
        await this.redispatchLost(reconnectedAt);
      }
      do {
        this.passAgain = false;
        while (this.running && (await this.relayBatch()) === this.o.batchSize) {
          // A full batch: more may be due right now.
        }
      } while (this.passAgain && this.running);
      if (this.o.clock.now().getTime() - this.lastLostCheck >= this.o.redispatchAfterMs) {
        this.lastLostCheck = this.o.clock.now().getTime();
        await this.redispatchLost(new Date(this.o.clock.now().getTime() - this.o.redispatchAfterMs));
      }
      delay = await this.untilNextDue();
    } catch (err) {
      this.o.logger.error({ err: errorText(err) }, "outbox relay: pass failed");
    } finally {
      this.passing = false;
    }
    if (this.running) this.timer = setTimeout(() => this.kick(), delay).unref();
  }

  /** Relays one batch; returns how many rows it took. */
  private async relayBatch(): Promise<number> {
    return this.o.db.transaction(async (tx) => {
      const now = this.o.clock.now();
      const horizon = new Date(now.getTime() + this.o.lookaheadMs).toISOString();
      const rows = rowsOf<Record<string, unknown>>(
        await tx.execute(sql`
          select id, job, payload, run_at, attempts, max_attempts from outbox
          where status = 'pending' and run_at <= ${horizon}::timestamptz
          order by run_at, id
          limit ${this.o.batchSize}
          for update skip locked`),
      ).map(
        (r): DueRow => ({
          id: Number(r.id),
          job: String(r.job),
          payload: r.payload,
          runAt: new Date(r.run_at as string),
          attempts: Number(r.attempts),
          maxAttempts: Number(r.max_attempts),
        }),
      );
      if (rows.length === 0) return 0;
      const byJob = new Map<string, DueRow[]>();
      for (const row of rows) byJob.set(row.job, [...(byJob.get(row.job) ?? []), row]);
      const unknown: number[] = [];
      for (const [job, group] of byJob) {
        const definition = this.o.registry.get(job);
        if (!definition) {
          unknown.push(...group.map((r) => r.id));
          continue;
        }
        await this.o.queueFor(job).addBulk(
          group.map((row) => ({
            data: { outboxId: row.id, payload: row.payload, priorAttempts: row.attempts },
            opts: bullJobOptions(row, definition, now),
          })),
        );
      }
      const known = rows.filter((r) => !unknown.includes(r.id)).map((r) => r.id);
      await markDispatched(tx, known, now);
      await failUnknown(tx, unknown, now, this.o.logger);
      return rows.length;
    });
  }

  /**
   * Redis without persistence (or a failover) can lose jobs the outbox marked dispatched.
   * Rows last touched before `before` whose Bull job no longer exists are added again (each
   * row checked is touched, so a pass goes through them once). A job that completed was
   * marked done before Bull completed it, so a missing job means a lost one, unless this
   * process is running it right now.
   */
  private async redispatchLost(before: Date): Promise<void> {
    let readded = 0;
    for (;;) {
      const now = this.o.clock.now();
      const rows = rowsOf<Record<string, unknown>>(
        await this.o.db.orm.execute(sql`
          update outbox set updated_at = ${now.toISOString()}::timestamptz
          where id in (select id from outbox where status = 'dispatched' and updated_at < ${before.toISOString()}::timestamptz
                       order by id limit ${this.o.batchSize} for update skip locked)
          returning id, job, payload, run_at, attempts, max_attempts`),
      );
      // One batch's lookups go out together (ioredis pipelines concurrent commands).
      const lost = await Promise.all(
        rows.map(async (r) => {
          const definition = this.o.registry.get(String(r.job));
          if (!definition || this.o.isRunning(Number(r.id))) return undefined;
          const exists = await this.o.queueFor(definition.name).getJob(`outbox:${Number(r.id)}`);
          return exists ? undefined : { r, definition };
        }),
      );
      for (const found of lost) {
        if (!found) continue;
        const { r, definition } = found;
        const row = { id: Number(r.id), runAt: new Date(r.run_at as string), attempts: Number(r.attempts), maxAttempts: Number(r.max_attempts) };
        await this.o.queueFor(definition.name).add({ outboxId: row.id, payload: r.payload, priorAttempts: row.attempts }, bullJobOptions(row, definition, now));
        readded++;
      }
      if (rows.length < this.o.batchSize || !this.running) break;
    }
    if (readded > 0) this.o.logger.warn({ count: readded }, "outbox relay: re-added dispatched jobs missing from Redis");
  }

  private async untilNextDue(): Promise<number> {
    const [row] = rowsOf<Record<string, unknown>>(
      await this.o.db.orm.execute(sql`select min(run_at) as run_at from outbox where status = 'pending'`),
    );
    if (!row?.run_at) return this.o.maxPollMs;
    const wait = new Date(row.run_at as string).getTime() - this.o.lookaheadMs - this.o.clock.now().getTime();
    return Math.min(this.o.maxPollMs, Math.max(0, wait));
  }
}

/** The ids as one array parameter: one statement text however many there are (statements are prepared). */
const outboxIds = (ids: number[]) => sql`select unnest(${`{${ids.join(",")}}`}::bigint[])`;

async function markDispatched(tx: Tx, ids: number[], now: Date): Promise<void> {
  if (ids.length === 0) return;
  await tx.execute(sql`
    update outbox set status = 'dispatched', updated_at = ${now.toISOString()}::timestamptz
    where id in (${outboxIds(ids)}) and status = 'pending'`);
}

/** A row whose job this build does not define can never run: fail it, kept for inspection. */
async function failUnknown(tx: Tx, ids: number[], now: Date, logger: JobLogger): Promise<void> {
  if (ids.length === 0) return;
  await tx.execute(sql`
    update outbox set status = 'failed', last_error = 'PermanentJobError: unknown job "' || job || '"',
        updated_at = ${now.toISOString()}::timestamptz
    where id in (${outboxIds(ids)}) and status = 'pending'`);
  logger.error({ jobIds: ids }, "outbox relay: unknown job, marked failed");
}
