// Schedules and the outbox cleanup, driven by a ManualClock and the in-process runner's drain().
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/support/db.js";
import { ManualClock } from "../clock.js";
import { InProcessRunner } from "./in-process-runner.js";
import { JobEventLog } from "./events.js";
import { createJobRunner, createJobs } from "./index.js";
import { deleteDoneOutboxRows, OUTBOX_CLEANUP_JOB, outboxCleanupJob, outboxCleanupSchedule } from "./outbox-cleanup.js";
import { defineJob, JobRegistry } from "./registry.js";
import { defineSchedules, nextOccurrence, SCHEDULE_TICK_JOB } from "./schedules.js";

let t: TestDatabase;
const clock = new ManualClock("2026-03-01T10:00:00Z");
const runs: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe("nextOccurrence", () => {
  const daily = { name: "d", job: "x", everyMs: 86_400_000, at: "02:30" };
  it("is the first grid point strictly after the given time", () => {
    expect(nextOccurrence(daily, new Date("2026-03-01T01:00:00Z")).toISOString()).toBe("2026-03-01T02:30:00.000Z");
    expect(nextOccurrence(daily, new Date("2026-03-01T02:30:00Z")).toISOString()).toBe("2026-03-02T02:30:00.000Z");
    expect(nextOccurrence({ name: "h", job: "x", everyMs: 3_600_000 }, new Date("2026-03-01T10:15:00Z")).toISOString()).toBe(
      "2026-03-01T11:00:00.000Z",
    );
  });
});

describe("schedules", () => {
  const registry = new JobRegistry().define(
    defineJob({ name: "t.reclassify", parse: (p) => p, handle: async () => void runs.push(clock.now().toISOString()) }),
  );
  const schedules = defineSchedules({
    db: t_db(),
    clock,
    registry,
    schedules: [{ name: "reclassify-daily", job: "t.reclassify", everyMs: 86_400_000, at: "02:00" }],
  });
  const runner = () => new InProcessRunner({ db: t.db, clock, registry });
  const ticks = () =>
    t.db.rows<{ dedup_key: string; status: string }>(
      sql`select dedup_key, status from outbox where job = ${SCHEDULE_TICK_JOB} order by run_at, id`,
    );

  it("ensure() creates the next occurrence once, however often it is called", async () => {
    await schedules.ensure();
    await schedules.ensure();
    expect(await ticks()).toEqual([{ dedup_key: "schedule:reclassify-daily:2026-03-02T02:00:00.000Z", status: "pending" }]);
  });

  it("runs the job at each occurrence and chains the next one", async () => {
    await runner().drain();
    expect(runs).toEqual([]);
    clock.set("2026-03-02T02:00:00Z");
    await runner().drain();
    expect(runs).toEqual(["2026-03-02T02:00:00.000Z"]);
    expect(await ticks()).toEqual([
      { dedup_key: "schedule:reclassify-daily:2026-03-02T02:00:00.000Z", status: "done" },
      { dedup_key: "schedule:reclassify-daily:2026-03-03T02:00:00.000Z", status: "pending" },
    ]);
    // A restart right now ensures again: the chain already holds the next occurrence.
    await schedules.ensure();
    expect(await ticks()).toHaveLength(2);
  });

  it("after downtime, runs once and continues from now instead of replaying missed days", async () => {
    clock.set("2026-03-06T12:00:00Z");
    await schedules.ensure(); // a boot after days down: adds the 7th next to the stale 3rd
    await runner().drain();
    expect(runs).toHaveLength(2);
    const pending = (await ticks()).filter((r) => r.status === "pending");
    expect(pending).toEqual([{ dedup_key: "schedule:reclassify-daily:2026-03-07T02:00:00.000Z", status: "pending" }]);
  });

  it("rejects bad specs", () => {
    const make = (spec: object) => () =>
      defineSchedules({ db: t.db, clock, registry: new JobRegistry(), schedules: [{ name: "x", job: "y", everyMs: 60_000, ...spec }] });
    expect(make({ at: "25:00" })).toThrow(/HH:MM/);
    expect(make({ everyMs: 10 })).toThrow(/everyMs/);
  });
});

describe("outbox cleanup", () => {
  it("deletes done rows older than the retention window and keeps the rest", async () => {
    const day = 86_400_000;
    const now = clock.now().getTime();
    const insert = (status: string, ageDays: number) =>
      t.db.rows(sql`
        insert into outbox (job, payload, status, run_at, max_attempts, created_at, updated_at)
        values ('t.old', '{}', ${status}, ${new Date(now - ageDays * day).toISOString()}, 1,
                ${new Date(now - ageDays * day).toISOString()}, ${new Date(now - ageDays * day).toISOString()})`);
    await insert("done", 10);
    await insert("done", 9);
    await insert("done", 1);
    await insert("failed", 30);
    await insert("pending", 30);
    expect(await deleteDoneOutboxRows(t.db, new Date(now - 7 * day), 1)).toBe(2);
    const left = await t.db.rows<{ status: string }>(sql`select status from outbox where job = 't.old' order by status`);
    expect(left.map((r) => r.status)).toEqual(["done", "failed", "pending"]);
  });

  it("runs as a job with the configured retention", async () => {
    const registry = new JobRegistry().define(outboxCleanupJob({ db: t.db, clock, retentionDays: 0.5 }));
    await t.db.rows(sql`delete from outbox where job = 't.old' and status = 'pending'`); // not a job here
    await t.db.rows(sql`
      insert into outbox (job, payload, run_at, max_attempts, created_at, updated_at)
      values (${OUTBOX_CLEANUP_JOB}, '{}', ${clock.now().toISOString()}, 3, now(), now())`);
    await new InProcessRunner({ db: t.db, clock, registry }).drain();
    const left = await t.db.rows<{ status: string }>(sql`select status from outbox where job = 't.old'`);
    expect(left.map((r) => r.status)).toEqual(["failed"]); // the 1-day-old done row went too
  });
});

describe("createJobs (what main.ts calls)", () => {
  it("registers the built-ins, starts the runner, ensures the daily cleanup and runs enqueued jobs", async () => {
    const registry = new JobRegistry().define(
      defineJob({ name: "t.hello", parse: (p) => p, handle: async () => void runs.push("hello") }),
    );
    const log = new JobEventLog();
    const jobs = createJobs({ db: t.db, clock, registry, role: "all", concurrency: 2, onEvent: log.listener });
    expect(jobs.runner.kind).toBe("in-process");
    await jobs.start();
    const ticks = await t.db.rows<{ dedup_key: string }>(sql`select dedup_key from outbox where dedup_key like 'schedule:outbox-cleanup:%'`);
    expect(ticks).toEqual([{ dedup_key: `schedule:outbox-cleanup:${nextOccurrence(outboxCleanupSchedule, clock.now()).toISOString()}` }]);
    await t.db.transaction((tx) => jobs.enqueue(tx, "t.hello", {}));
    jobs.runner.kick();
    await log.waitFor((e) => e.type === "done" && e.job === "t.hello");
    await jobs.stop();
    expect(() => createJobRunner({ db: t.db, clock, registry, role: "api", concurrency: 1 })).toThrow(/needs REDIS_URL/);
  });
});

/** defineSchedules runs at collection time, before beforeAll opened the db: hand it a late-bound proxy. */
function t_db() {
  return new Proxy({} as TestDatabase["db"], { get: (_, key) => Reflect.get(t.db, key) });
}
