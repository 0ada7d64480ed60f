// The runners' queries on the outbox, in one place so both runners agree on what each status
// means. Raw SQL because the claim needs UPDATE ... FROM (SELECT ... FOR UPDATE SKIP LOCKED),
// which the query builder cannot express. Times go in as ISO strings (drizzle's postgres.js
// setup passes Date parameters through unserialised) and come back as Date or string
// depending on the driver, hence toDate().
import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../db/client.js";
import type { JobCounts } from "./types.js";

export interface ClaimedRow {
  id: number;
  job: string;
  payload: unknown;
  /** The attempt this claim starts (attempts after the claim): also the fencing token. */
  attempt: number;
  maxAttempts: number;
}

export interface LapsedLease {
  id: number;
  job: string;
  attempt: number;
  status: "pending" | "failed";
}

const iso = (d: Date): string => d.toISOString();
const toDate = (v: unknown): Date | undefined => (v === null || v === undefined ? undefined : new Date(v as string));

// A retried row goes back to 'pending'; if another pending row already holds its dedup key
// (enqueued while this one ran), the unique index would refuse the update, so the retry gives
// up its key: both run, which idempotent handlers allow, and no work is lost.
const keepDedupKeyUnlessTaken = sql`dedup_key = case
  when o.dedup_key is not null and exists (
    select 1 from outbox p where p.dedup_key = o.dedup_key and p.status = 'pending' and p.id <> o.id)
  then null else o.dedup_key end`;

export function createOutboxStore(db: Database) {
  /** Running rows matching `which` back to pending (or failed when out of attempts). */
  const release = async (now: Date, which: SQL): Promise<LapsedLease[]> => {
    const rows = await db.rows<Record<string, unknown>>(sql`
      update outbox o
      set status = case when o.attempts >= o.max_attempts then 'failed' else 'pending' end,
          last_error = 'lease expired during attempt ' || o.attempts || ': the worker stopped or the run outlived timeoutMs',
          locked_until = null, locked_by = null, run_at = ${iso(now)}::timestamptz, updated_at = ${iso(now)}::timestamptz,
          ${keepDedupKeyUnlessTaken}
      where o.status = 'running' and ${which}
      returning o.id, o.job, o.attempts, o.status`);
    return rows.map((r) => ({
      id: Number(r.id),
      job: String(r.job),
      attempt: Number(r.attempts),
      status: r.status as LapsedLease["status"],
    }));
  };
  return {
    /**
     * Claims due pending rows for this process: status running, attempts + 1, a lease of the
     * job's timeout. SKIP LOCKED lets several processes claim side by side on PostgreSQL.
     */
    async claimDue(now: Date, limit: number, leaseMs: Record<string, number>, defaultLeaseMs: number): Promise<ClaimedRow[]> {
      const rows = await db.rows<Record<string, unknown>>(sql`
        update outbox o
        set status = 'running', attempts = o.attempts + 1, updated_at = ${iso(now)}::timestamptz, locked_by = ${db.sessionTag},
            locked_until = ${iso(now)}::timestamptz
              + make_interval(secs => coalesce((${JSON.stringify(leaseMs)}::jsonb ->> o.job)::float8, ${defaultLeaseMs}) / 1000)
        from (
          select id from outbox
          where status = 'pending' and run_at <= ${iso(now)}::timestamptz
          order by run_at, id
          limit ${limit}
          for update skip locked
        ) due
        where o.id = due.id
        returning o.id, o.job, o.payload, o.attempts, o.max_attempts`);
      return rows
        .map((r) => ({
          id: Number(r.id),
          job: String(r.job),
          payload: r.payload,
          attempt: Number(r.attempts),
          maxAttempts: Number(r.max_attempts),
        }))
        .sort((a, b) => a.id - b.id);
    },

    /** Rows left 'running' past their lease (process died, or the run outlived timeoutMs). */
    async releaseLapsedLeases(now: Date): Promise<LapsedLease[]> {
      return release(now, sql`o.locked_until <= ${iso(now)}::timestamptz`);
    },

    /**
     * Rows still within their lease whose runner's database session is gone (its process was
     * killed): released now instead of when the lease (up to the job's timeoutMs) lapses.
     */
    async releaseOrphanedLeases(now: Date): Promise<LapsedLease[]> {
      const owners = await db.rows<{ owner: string }>(sql`
        select distinct locked_by as owner from outbox where status = 'running' and locked_by is not null and locked_by <> ${db.sessionTag}`);
      const out: LapsedLease[] = [];
      for (const { owner } of owners) {
        if (!(await db.sessionAlive(owner))) out.push(...(await release(now, sql`o.locked_by = ${owner}`)));
      }
      return out;
    },

    /** In-process: the claim still ours (same attempt, still running) -> done. */
    async markRunDone(id: number, attempt: number, now: Date): Promise<void> {
      await db.rows(sql`
        update outbox set status = 'done', locked_until = null, updated_at = ${iso(now)}::timestamptz
        where id = ${id} and status = 'running' and attempts = ${attempt}`);
    },

    async markRunRetry(id: number, attempt: number, now: Date, runAt: Date, error: string): Promise<void> {
      await db.rows(sql`
        update outbox o
        set status = 'pending', run_at = ${iso(runAt)}::timestamptz, locked_until = null,
            last_error = ${error}, updated_at = ${iso(now)}::timestamptz, ${keepDedupKeyUnlessTaken}
        where o.id = ${id} and o.status = 'running' and o.attempts = ${attempt}`);
    },

    async markRunFailed(id: number, attempt: number, now: Date, error: string): Promise<void> {
      await db.rows(sql`
        update outbox set status = 'failed', locked_until = null, last_error = ${error}, updated_at = ${iso(now)}::timestamptz
        where id = ${id} and status = 'running' and attempts = ${attempt}`);
    },

    /**
     * Bull: record an attempt's outcome on a row handed to Bull. 'pending' is accepted too: the
     * relay may have crashed after Bull took the job but before it marked the row dispatched.
     * Final rows are never touched again, so a late or repeated report is a no-op.
     */
    async recordDispatchedOutcome(
      id: number,
      attempt: number,
      now: Date,
      outcome: { status: "done" } | { status: "failed" | "retrying"; error: string },
    ): Promise<void> {
      const status = outcome.status === "retrying" ? sql`status` : sql`${outcome.status}`;
      const lastError = outcome.status === "done" ? sql`last_error` : sql`${outcome.error}`;
      await db.rows(sql`
        update outbox set status = ${status}, attempts = greatest(attempts, ${attempt}), last_error = ${lastError},
            updated_at = ${iso(now)}::timestamptz
        where id = ${id} and status in ('pending', 'dispatched')`);
    },

    /** When the next pending row is due and the next lease lapses, to sleep until then. */
    async nextWake(): Promise<{ runAt?: Date; leaseEnd?: Date }> {
      const [row] = await db.rows<Record<string, unknown>>(sql`
        select (select min(run_at) from outbox where status = 'pending') as run_at,
               (select min(locked_until) from outbox where status = 'running') as lease_end`);
      return { runAt: toDate(row?.run_at), leaseEnd: toDate(row?.lease_end) };
    },

    /** Per job; 'dispatched' (handed to Bull, not finished) counts as pending. */
    async counts(): Promise<Record<string, JobCounts>> {
      const rows = await db.rows<Record<string, unknown>>(sql`
        select job, status, count(*)::int as n from outbox group by job, status`);
      const out: Record<string, JobCounts> = {};
      for (const r of rows) {
        const c = (out[String(r.job)] ??= { pending: 0, running: 0, done: 0, failed: 0 });
        const status = r.status === "dispatched" ? "pending" : (r.status as keyof JobCounts);
        c[status] += Number(r.n);
      }
      return out;
    },
  };
}

export type OutboxStore = ReturnType<typeof createOutboxStore>;
