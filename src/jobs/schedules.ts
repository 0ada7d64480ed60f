// Recurring jobs through the outbox, so both runners share them and a schedule survives
// restarts like any other job. Each occurrence is a "schedule.tick" row with dedupKey
// "schedule:<name>:<iso time>"; when a tick runs it enqueues the scheduled job and the next
// tick in one transaction. ensure() (at start) creates the next tick if the chain is missing.
//
// Spec: { name, job, payload?, everyMs, at?: "HH:MM" (UTC) }. Occurrences lie on a fixed
// grid, at + k * everyMs counted from 1970-01-01 (at defaults to 00:00), e.g.
//   { name: "reclassify-daily", job: "classification.reclassify", everyMs: 86_400_000, at: "02:00" }
// Because the grid is fixed, chains started by different processes or boots land on the
// same occurrences and coalesce by dedupKey instead of multiplying. Occurrences missed
// while nothing ran are not replayed: a late tick runs the job once and continues from now.
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { enqueueOnce } from "./outbox.js";
import { defineJob, type JobRegistry } from "./registry.js";
import { PermanentJobError } from "./types.js";

export interface ScheduleSpec {
  /** Stable name: part of every occurrence's dedupKey. */
  name: string;
  /** The job to enqueue at each occurrence (must be defined in the registry). */
  job: string;
  payload?: unknown;
  everyMs: number;
  /** "HH:MM" UTC the grid is anchored at (daily jobs: the time of day they run). */
  at?: string;
}

export const SCHEDULE_TICK_JOB = "schedule.tick";

interface TickPayload {
  name: string;
  at: string;
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function validateSchedule(spec: ScheduleSpec): void {
  if (!spec.name) throw new Error("schedule needs a name");
  if (!Number.isInteger(spec.everyMs) || spec.everyMs < 1000) throw new Error(`schedule "${spec.name}": everyMs must be an integer >= 1000`);
  if (spec.at !== undefined && !HH_MM.test(spec.at)) throw new Error(`schedule "${spec.name}": at must be "HH:MM" (UTC)`);
}

/** The first occurrence strictly after `after`. */
export function nextOccurrence(spec: ScheduleSpec, after: Date): Date {
  const m = spec.at ? HH_MM.exec(spec.at) : null;
  const anchor = m ? (Number(m[1]) * 60 + Number(m[2])) * 60_000 : 0;
  const k = Math.floor((after.getTime() - anchor) / spec.everyMs) + 1;
  return new Date(anchor + k * spec.everyMs);
}

export const occurrenceKey = (name: string, at: Date | string): string =>
  `schedule:${name}:${typeof at === "string" ? at : at.toISOString()}`;

export interface Schedules {
  /** Makes sure every schedule's next tick exists. Idempotent; call where workers start. */
  ensure(): Promise<void>;
}

export function defineSchedules(deps: {
  db: Database;
  clock: Clock;
  registry: JobRegistry;
  schedules: readonly ScheduleSpec[];
  /** Called after a tick committed its rows (runner.kick), so the job runs now rather than at the next poll. */
  kick?: () => void;
}): Schedules {
  const { db, clock, registry } = deps;
  const byName = new Map<string, ScheduleSpec>();
  for (const spec of deps.schedules) {
    validateSchedule(spec);
    if (byName.has(spec.name)) throw new Error(`schedule "${spec.name}" is defined twice`);
    byName.set(spec.name, spec);
  }
  const tick = (spec: ScheduleSpec, at: Date) => ({
    job: SCHEDULE_TICK_JOB,
    payload: { name: spec.name, at: at.toISOString() } satisfies TickPayload,
    runAt: at,
    dedupKey: occurrenceKey(spec.name, at),
  });

  registry.define(
    defineJob<TickPayload>({
      name: SCHEDULE_TICK_JOB,
      parse(payload) {
        const p = payload as Partial<TickPayload> | null;
        if (typeof p?.name !== "string" || typeof p.at !== "string" || Number.isNaN(Date.parse(p.at))) {
          throw new PermanentJobError("schedule tick needs {name, at}");
        }
        return { name: p.name, at: p.at };
      },
      async handle({ name, at }) {
        const spec = byName.get(name);
        if (!spec) return; // The schedule was removed: its chain ends here.
        const now = clock.now();
        const from = new Date(Math.max(now.getTime(), Date.parse(at)));
        // Both rows are enqueued once per occurrence, so a tick that runs twice changes nothing.
        await db.transaction(async (tx) => {
          await enqueueOnce(tx, { clock, registry }, { job: spec.job, payload: spec.payload ?? {}, dedupKey: `${occurrenceKey(name, at)}:run` });
          await enqueueOnce(tx, { clock, registry }, tick(spec, nextOccurrence(spec, from)));
        });
        deps.kick?.();
      },
    }),
  );

  return {
    async ensure() {
      const now = clock.now();
      for (const spec of byName.values()) {
        registry.require(spec.job);
        await enqueueOnce(db.orm, { clock, registry }, tick(spec, nextOccurrence(spec, now)));
      }
    },
  };
}
