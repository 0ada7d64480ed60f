// The in-process runner on the test database (PGlite, or PostgreSQL with DATABASE_URL). Time
// is a ManualClock: retries and delays are proven by moving the clock and draining, never by
// sleeping; where the runner wakes itself, the test awaits its events.
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, usingPostgres, type TestDatabase } from "../../test/support/db.js";
import { ManualClock, systemClock, type Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { JobEventLog } from "./events.js";
import { InProcessRunner } from "./in-process-runner.js";
import { createEnqueue } from "./outbox.js";
import { defineJob, JobRegistry } from "./registry.js";
import { PermanentJobError, type JobContext } from "./types.js";

let t: TestDatabase;
const clock = new ManualClock("2026-03-01T00:00:00Z");
const calls: { job: string; payload: unknown; ctx: JobContext }[] = [];
/** Per-test behaviour of the "t.flaky" handler, by payload key. */
const failuresLeft = new Map<string, number>();

const registry = new JobRegistry()
  .define(
    defineJob<{ key: string }>({
      name: "t.record",
      parse: (p) => {
        if (typeof (p as { key?: unknown })?.key !== "string") throw new Error("key must be a string");
        return p as { key: string };
      },
      handle: async (payload, ctx) => void calls.push({ job: "t.record", payload, ctx }),
    }),
  )
  .define(
    defineJob<{ key: string }>({
      name: "t.flaky",
      maxAttempts: 3,
      backoffMs: 1000,
      parse: (p) => p as { key: string },
      handle: async (payload, ctx) => {
        calls.push({ job: "t.flaky", payload, ctx });
        const left = failuresLeft.get(payload.key) ?? 0;
        if (left > 0) {
          failuresLeft.set(payload.key, left - 1);
          throw new Error(`boom ${ctx.attempt}`);
        }
      },
    }),
  )
  .define(
    defineJob({
      name: "t.permanent",
      parse: (p) => p,
      handle: async () => {
        throw new PermanentJobError("merchant does not exist");
      },
    }),
  );

const enqueue = createEnqueue({ clock, registry });
const runners: InProcessRunner[] = [];
function runner(options: { db?: Database; clock?: Clock; concurrency?: number; log?: JobEventLog } = {}) {
  const r = new InProcessRunner({
    db: options.db ?? t.db,
    clock: options.clock ?? clock,
    registry,
    concurrency: options.concurrency,
    onEvent: options.log?.listener,
    random: () => 1, // full backoff, so the test knows the exact retry time
  });
  runners.push(r);
  return r;
}
const row = async (id: number, db: Database = t.db) => {
  const [r] = await db.rows<{ status: string; attempts: number; last_error: string | null; run_at: unknown }>(
    sql`select status, attempts, last_error, run_at from outbox where id = ${id}`,
  );
  return r!;
};
const lastId = async () => {
  const [r] = await t.db.rows<{ id: number }>(sql`select max(id) as id from outbox`);
  return Number(r!.id);
};
const callsFor = (key: string) => calls.filter((c) => (c.payload as { key?: string }).key === key);

beforeAll(async () => {
  t = await createTestDatabase();
});
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});
afterAll(() => t.drop());

describe("in-process runner", () => {
  it("runs a job committed in a transaction, woken by kick()", async () => {
    const log = new JobEventLog();
    const r = runner({ log });
    await r.start();
    await t.db.transaction((tx) => enqueue(tx, "t.record", { key: "committed" }));
    r.kick();
    const done = await log.waitFor((e) => e.type === "done" && e.job === "t.record");
    expect(callsFor("committed")).toHaveLength(1);
    expect(callsFor("committed")[0]!.ctx).toEqual({ jobId: done.id, attempt: 1 });
    expect((await row(done.id)).status).toBe("done");
  });

  it("never runs a job whose transaction rolled back", async () => {
    await t.db
      .transaction(async (tx) => {
        await enqueue(tx, "t.record", { key: "rolled-back" });
        throw new Error("rollback");
      })
      .catch(() => {});
    await runner().drain();
    expect(callsFor("rolled-back")).toHaveLength(0);
  });

  it("runs a job committed while no runner was up, once a new runner starts", async () => {
    const first = runner();
    await first.start();
    await first.stop(); // the "process" ends
    await t.db.transaction((tx) => enqueue(tx, "t.record", { key: "after-restart" }));
    const id = await lastId();
    const log = new JobEventLog();
    await runner({ log }).start();
    await log.waitFor((e) => e.type === "done" && e.id === id);
    expect(callsFor("after-restart")).toHaveLength(1);
  });

  it.skipIf(!usingPostgres())("runs it from a second database handle (a restarted process) on PostgreSQL", async () => {
    await t.db.transaction((tx) => enqueue(tx, "t.record", { key: "other-handle" }));
    const id = await lastId();
    const db2 = await t.reopen();
    try {
      const log = new JobEventLog();
      const r = runner({ db: db2, log });
      await r.start();
      await log.waitFor((e) => e.type === "done" && e.id === id);
      await r.stop();
      expect((await row(id)).status).toBe("done");
    } finally {
      await db2.close();
    }
  });

  it("retries a failing handler with exponential backoff, then succeeds", async () => {
    failuresLeft.set("flaky-ok", 2);
    await enqueue(t.db.orm, "t.flaky", { key: "flaky-ok" });
    const id = await lastId();
    const r = runner();
    const t0 = clock.now().getTime();

    await r.drain(); // attempt 1 fails -> retry at +1000 ms (backoff 1000 * 2^0)
    expect(await row(id)).toMatchObject({ status: "pending", attempts: 1, last_error: "Error: boom 1" });
    expect(new Date((await row(id)).run_at as string).getTime()).toBe(t0 + 1000);

    clock.advance(999);
    await r.drain(); // not due yet
    expect(callsFor("flaky-ok")).toHaveLength(1);

    clock.advance(1);
    await r.drain(); // attempt 2 fails -> retry at +2000 ms
    expect(await row(id)).toMatchObject({ status: "pending", attempts: 2 });
    expect(new Date((await row(id)).run_at as string).getTime()).toBe(clock.now().getTime() + 2000);

    clock.advance(2000);
    await r.drain(); // attempt 3 succeeds
    expect(await row(id)).toMatchObject({ status: "done", attempts: 3 });
    expect(callsFor("flaky-ok").map((c) => c.ctx.attempt)).toEqual([1, 2, 3]);
  });

  it("ends failed with last_error after maxAttempts", async () => {
    failuresLeft.set("flaky-dead", 99);
    await enqueue(t.db.orm, "t.flaky", { key: "flaky-dead" });
    const id = await lastId();
    const log = new JobEventLog();
    const r = runner({ log });
    for (let i = 0; i < 3; i++) {
      await r.drain();
      clock.advance(10_000);
    }
    expect(await row(id)).toMatchObject({ status: "failed", attempts: 3, last_error: "Error: boom 3" });
    expect(log.events.map((e) => e.type)).toEqual(["retry", "retry", "failed"]);
    await r.drain();
    expect(callsFor("flaky-dead")).toHaveLength(3);
  });

  it("does not retry a PermanentJobError, nor a payload that does not parse, nor an unknown job", async () => {
    await enqueue(t.db.orm, "t.permanent", {});
    const permanent = await lastId();
    await enqueue(t.db.orm, "t.record", { key: 42 });
    const badPayload = await lastId();
    await t.db.rows(sql`
      insert into outbox (job, payload, run_at, max_attempts, created_at, updated_at)
      values ('t.retired', '{}', ${clock.now().toISOString()}, 8, now(), now())`);
    const unknown = await lastId();
    await runner().drain();
    expect(await row(permanent)).toMatchObject({ status: "failed", attempts: 1, last_error: "PermanentJobError: merchant does not exist" });
    expect(await row(badPayload)).toMatchObject({ status: "failed", attempts: 1 });
    expect((await row(badPayload)).last_error).toMatch(/invalid payload for job "t.record": key must be a string/);
    expect(await row(unknown)).toMatchObject({ status: "failed", attempts: 1, last_error: 'PermanentJobError: unknown job "t.retired"' });
  });

  it("does not run a delayed job before runAt, and runs it after", async () => {
    await enqueue(t.db.orm, "t.record", { key: "delayed" }, { runAt: new Date(clock.now().getTime() + 60_000) });
    const r = runner();
    await r.drain();
    clock.advance(59_999);
    await r.drain();
    expect(callsFor("delayed")).toHaveLength(0);
    clock.advance(1);
    await r.drain();
    expect(callsFor("delayed")).toHaveLength(1);
  });

  it("wakes itself at the next due time without a kick (real clock)", async () => {
    const log = new JobEventLog();
    const runAt = new Date(Date.now() + 150);
    await enqueue(t.db.orm, "t.record", { key: "timer" }, { runAt });
    const id = await lastId();
    // Not due at start; no kick after: the runner's next-due timer must wake it.
    await runner({ clock: systemClock, log }).start();
    await log.waitFor((e) => e.type === "done" && e.id === id, 5000);
    expect(Date.now()).toBeGreaterThanOrEqual(runAt.getTime());
  });

  it("reclaims a row left running by a dead process once its lease lapses", async () => {
    const now = clock.now().getTime();
    const insert = (key: string, attempts: number, lockedUntil: number) =>
      t.db.rows(sql`
        insert into outbox (job, payload, status, run_at, attempts, max_attempts, locked_until, created_at, updated_at)
        values (${key === "dead-last" ? "t.flaky" : "t.record"}, ${JSON.stringify({ key })}::jsonb, 'running',
                ${new Date(now - 600_000).toISOString()}, ${attempts}, 3, ${new Date(lockedUntil).toISOString()}, now(), now())`);
    await insert("dead-worker", 1, now - 1); // lease lapsed
    const lapsed = await lastId();
    await insert("live-worker", 1, now + 60_000); // someone is still running it
    const live = await lastId();
    await insert("dead-last", 3, now - 1); // lapsed on its last attempt
    const last = await lastId();

    await runner().drain();
    expect(callsFor("dead-worker").map((c) => c.ctx.attempt)).toEqual([2]);
    expect(await row(lapsed)).toMatchObject({ status: "done", attempts: 2 });
    expect(callsFor("live-worker")).toHaveLength(0);
    expect((await row(live)).status).toBe("running");
    expect(await row(last)).toMatchObject({ status: "failed" });
    expect((await row(last)).last_error).toMatch(/lease expired/);

    clock.advance(60_000);
    await runner().drain();
    expect(callsFor("live-worker")).toHaveLength(1);
  });

  it("reclaims at once, within its lease, a row whose runner's database session is gone (kill -9)", async () => {
    const now = clock.now().getTime();
    const insert = async (key: string, lockedBy: string) => {
      await t.db.rows(sql`
        insert into outbox (job, payload, status, run_at, attempts, max_attempts, locked_until, locked_by, created_at, updated_at)
        values ('t.record', ${JSON.stringify({ key })}::jsonb, 'running', ${new Date(now - 1000).toISOString()}, 1, 3,
                ${new Date(now + 600_000).toISOString()}, ${lockedBy}, now(), now())`);
      return lastId();
    };
    const killed = await insert("killed-runner", "csg-killed-process");
    const mine = await insert("my-own-run", t.db.sessionTag); // this very session: really running
    await runner().drain();
    expect(callsFor("killed-runner").map((c) => c.ctx.attempt)).toEqual([2]);
    expect(await row(killed)).toMatchObject({ status: "done", attempts: 2 });
    expect(callsFor("my-own-run")).toHaveLength(0);
    expect((await row(mine)).status).toBe("running");
    await t.db.rows(sql`delete from outbox where id = ${mine}`);
  });

  it("a retry gives way to a pending row with the same dedupKey instead of failing", async () => {
    failuresLeft.set("dedup-retry", 1);
    await enqueue(t.db.orm, "t.flaky", { key: "dedup-retry" }, { dedupKey: "rescore:1" });
    const first = await lastId();
    // While the first runs, the same key is enqueued again (allowed: the first is not pending).
    let second = 0;
    const r = runner();
    const claimed = await t.db.rows(sql`update outbox set status = 'running', attempts = 1,
      locked_until = ${new Date(clock.now().getTime() + 60_000).toISOString()} where id = ${first} returning id`);
    expect(claimed).toHaveLength(1);
    await enqueue(t.db.orm, "t.flaky", { key: "dedup-retry" }, { dedupKey: "rescore:1" });
    second = await lastId();
    expect(second).not.toBe(first);
    // The lease lapses; the released row cannot keep the key, but is not lost.
    clock.advance(60_000);
    await r.drain();
    clock.advance(10_000);
    await r.drain();
    expect((await row(first)).status).toBe("done");
    expect((await row(second)).status).toBe("done");
  });

  it("runs at most `concurrency` jobs at once", async () => {
    let active = 0;
    let peak = 0;
    let open = () => {};
    const gate = { promise: new Promise<void>((resolve) => (open = resolve)) };
    const local = new JobRegistry().define(
      defineJob({
        name: "t.slow",
        parse: (p) => p,
        handle: async () => {
          peak = Math.max(peak, ++active);
          await gate.promise;
          active--;
        },
      }),
    );
    for (let i = 0; i < 5; i++) await createEnqueue({ clock, registry: local })(t.db.orm, "t.slow", { i });
    const r = new InProcessRunner({ db: t.db, clock, registry: local, concurrency: 2 });
    const drained = r.drain();
    await expect.poll(() => active).toBe(2);
    open();
    await drained;
    expect(peak).toBe(2);
    const counts = await r.counts();
    expect(counts["t.slow"]).toEqual({ pending: 0, running: 0, done: 5, failed: 0 });
  });
});
