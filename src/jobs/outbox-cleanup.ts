// Keeps the outbox from growing forever: deletes done rows older than the retention window,
// in bounded batches so no single statement holds locks for long. Failed rows stay for
// inspection until someone deals with them.
import { sql } from "drizzle-orm";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { defineJob } from "./registry.js";
import type { ScheduleSpec } from "./schedules.js";
import type { JobDefinition } from "./types.js";
import { DAY_MS } from "../db/time.js";

export const OUTBOX_CLEANUP_JOB = "outbox.cleanup";

export const outboxCleanupSchedule: ScheduleSpec = {
  name: "outbox-cleanup",
  job: OUTBOX_CLEANUP_JOB,
  everyMs: DAY_MS,
  at: "03:30",
};

/** Deletes done rows last touched before `cutoff`; returns how many. */
export async function deleteDoneOutboxRows(db: Database, cutoff: Date, batchSize = 10_000): Promise<number> {
  let total = 0;
  for (;;) {
    // run_at <= updated_at for a done row, so the (status, run_at) index narrows the scan.
    const [row] = await db.rows<{ n: number }>(sql`
      with gone as (
        delete from outbox where id in (
          select id from outbox
          where status = 'done' and run_at < ${cutoff.toISOString()}::timestamptz
            and updated_at < ${cutoff.toISOString()}::timestamptz
          limit ${batchSize})
        returning 1)
      select count(*)::int as n from gone`);
    const n = Number(row?.n ?? 0);
    total += n;
    if (n < batchSize) return total;
  }
}

export function outboxCleanupJob(deps: { db: Database; clock: Clock; retentionDays?: number }): JobDefinition<{ retentionDays?: number }> {
  return defineJob({
    name: OUTBOX_CLEANUP_JOB,
    maxAttempts: 3,
    backoffMs: 60_000,
    parse: (payload) => {
      const days = (payload as { retentionDays?: unknown } | null)?.retentionDays;
      return typeof days === "number" && days > 0 ? { retentionDays: days } : {};
    },
    async handle({ retentionDays }) {
      const days = retentionDays ?? deps.retentionDays ?? 7;
      await deleteDoneOutboxRows(deps.db, new Date(deps.clock.now().getTime() - days * DAY_MS));
    },
  });
}
