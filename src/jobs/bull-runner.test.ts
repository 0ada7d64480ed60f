// The Bull runner against a real Redis and the test database. Skipped without REDIS_URL
// (the embedded default has no Redis; CI sets it). Each file uses its own key prefix so
// files running side by side never see each other's queues. Real time here (Bull keeps its
// own clock), so backoffs and delays are tens of milliseconds and the tests await events.
import { randomBytes } from "node:crypto";
import Bull from "bull";
import { sql } from "drizzle-orm";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, usingPostgres, type TestDatabase } from "../../test/support/db.js";
import { systemClock } from "../clock.js";
import type { Role } from "../config.js";
import type { Database } from "../db/client.js";
import { bullJobOptions, type BullJobData } from "./bull-job.js";
import { BullRunner } from "./bull-runner.js";
import { JobEventLog } from "./events.js";
import { createEnqueue } from "./outbox.js";
import { defineJob, JobRegistry } from "./registry.js";
import { PermanentJobError, type JobContext } from "./types.js";

const redisUrl = process.env.REDIS_URL ?? "";
const prefix = `csgtest-${randomBytes(4).toString("hex")}`;
const clock = systemClock;
const calls: { key: string; ctx: JobContext }[] = [];
const failuresLeft = new Map<string, number>();
const callsFor = (key: string) => calls.filter((c) => c.key === key);

const registry = new JobRegistry()
  .define(defineJob<{ key: string }>({ name: "t.record", parse: (p) => p as { key: string }, handle: async ({ key }, ctx) => void calls.push({ key, ctx }) }))
  .define(
    defineJob<{ key: string }>({
      name: "t.flaky",
      maxAttempts: 3,
      backoffMs: 20,
      parse: (p) => p as { key: string },
      handle: async ({ key }, ctx) => {
        calls.push({ key, ctx });
        const left = failuresLeft.get(key) ?? 0;
        if (left > 0) {
          failuresLeft.set(key, left - 1);
          throw new Error(`boom ${ctx.attempt}`);
        }
      },
    }),
  )
  .define(
    defineJob<{ key: string }>({
      name: "t.permanent",
      parse: (p) => p as { key: string },
      handle: async ({ key }, ctx) => {
        calls.push({ key, ctx });
        throw new PermanentJobError("no such merchant");
      },
    }),
  );
const enqueue = createEnqueue({ clock, registry });

describe.skipIf(!redisUrl)("bull runner", () => {
  let t: TestDatabase;
  const runners: BullRunner[] = [];
  const runner = (o: { db?: Database; role?: Role; log?: JobEventLog; maxPollMs?: number } = {}) => {
    const r = new BullRunner({
      db: o.db ?? t.db,
      clock,
      registry,
      redisUrl,
      role: o.role ?? "all",
      prefix,
      onEvent: o.log?.listener,
      maxPollMs: o.maxPollMs,
    });
    runners.push(r);
    return r;
  };
  const row = async (id: number) => {
    const [r] = await t.db.rows<{ status: string; attempts: number; last_error: string | null }>(
      sql`select status, attempts, last_error from outbox where id = ${id}`,
    );
    return r!;
  };
  const enqueueOne = async (job: string, key: string, options?: { runAt?: Date; dedupKey?: string }) => {
    await t.db.transaction((tx) => enqueue(tx, job, { key }, options));
    const [r] = await t.db.rows<{ id: number }>(sql`select max(id) as id from outbox`);
    return Number(r!.id);
  };
  const inspect = (job: string) => new Bull<BullJobData>(job, { prefix, redis: redisUrl });

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((r) => r.stop()));
  });
  afterAll(async () => {
    await t?.drop();
    // This file's own keys only (a unique prefix): never anything a real deployment uses.
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it("runs a job committed in a transaction; a rolled-back one never exists", async () => {
    const log = new JobEventLog();
    const r = runner({ log });
    await r.start();
    await t.db
      .transaction(async (tx) => {
        await enqueue(tx, "t.record", { key: "rolled-back" });
        throw new Error("rollback");
      })
      .catch(() => {});
    const id = await enqueueOne("t.record", "committed");
    r.kick();
    await log.waitFor((e) => e.type === "done" && e.id === id);
    expect(callsFor("committed").map((c) => c.ctx)).toEqual([{ jobId: id, attempt: 1 }]);
    expect(await row(id)).toMatchObject({ status: "done", attempts: 1 });
    const [gone] = await t.db.rows<{ n: number }>(sql`select count(*)::int as n from outbox where payload->>'key' = 'rolled-back'`);
    expect(gone!.n).toBe(0);
    const counts = await r.counts();
    expect(counts["t.record"]?.done).toBeGreaterThanOrEqual(1);
  });

  it("runs a job committed before any worker was up (restart between commit and run)", async () => {
    const id = await enqueueOne("t.record", "before-start");
    const db2 = usingPostgres() ? await t.reopen() : t.db; // a restarted process has its own handle
    try {
      const log = new JobEventLog();
      await runner({ db: db2, log }).start();
      await log.waitFor((e) => e.type === "done" && e.id === id);
      expect(callsFor("before-start")).toHaveLength(1);
    } finally {
      await Promise.all(runners.splice(0).map((r) => r.stop()));
      if (db2 !== t.db) await db2.close();
    }
  });

  it("re-relaying a row Bull already holds is a no-op (crash between add and marking dispatched)", async () => {
    const id = await enqueueOne("t.record", "re-relay");
    // The previous relay added the job, then died before its transaction committed.
    const queue = inspect("t.record");
    const definition = registry.require("t.record");
    await queue.add({ outboxId: id, payload: { key: "re-relay" }, priorAttempts: 0 }, bullJobOptions({ id, runAt: new Date(), attempts: 0, maxAttempts: definition.maxAttempts }, definition, new Date()));
    await queue.close();
    const log = new JobEventLog();
    await runner({ log }).start();
    await log.waitFor((e) => e.type === "done" && e.id === id);
    expect(await row(id)).toMatchObject({ status: "done" });
    expect(callsFor("re-relay")).toHaveLength(1);
  });

  it("re-adds a row marked dispatched long ago whose job Redis lost", async () => {
    const id = await enqueueOne("t.record", "lost-in-redis");
    await t.db.rows(sql`update outbox set status = 'dispatched', updated_at = now() - interval '1 hour' where id = ${id}`);
    const log = new JobEventLog();
    await runner({ log }).start();
    await log.waitFor((e) => e.type === "done" && e.id === id);
    expect(callsFor("lost-in-redis")).toHaveLength(1);
  });

  it("retries with backoff and succeeds; fails for good after maxAttempts, kept in Bull for inspection", async () => {
    failuresLeft.set("flaky-ok", 2);
    failuresLeft.set("flaky-dead", 99);
    const log = new JobEventLog();
    await runner({ log }).start();
    const ok = await enqueueOne("t.flaky", "flaky-ok");
    const dead = await enqueueOne("t.flaky", "flaky-dead");
    runners[0]!.kick();
    await log.waitFor((e) => e.type === "done" && e.id === ok);
    await log.waitFor((e) => e.type === "failed" && e.id === dead);
    expect(callsFor("flaky-ok").map((c) => c.ctx.attempt)).toEqual([1, 2, 3]);
    expect(await row(ok)).toMatchObject({ status: "done", attempts: 3, last_error: "Error: boom 2" });
    expect(await row(dead)).toMatchObject({ status: "failed", attempts: 3, last_error: "Error: boom 3" });
    expect(log.events.filter((e) => e.id === dead).map((e) => e.type)).toEqual(["retry", "retry", "failed"]);
    const queue = inspect("t.flaky");
    const failed = await queue.getJob(`outbox:${dead}`);
    expect(await failed?.getState()).toBe("failed");
    expect(failed?.attemptsMade).toBe(3);
    await queue.close();
  });

  it("does not retry a PermanentJobError", async () => {
    const log = new JobEventLog();
    await runner({ log }).start();
    const id = await enqueueOne("t.permanent", "permanent");
    runners[0]!.kick();
    await log.waitFor((e) => e.type === "failed" && e.id === id);
    expect(callsFor("permanent")).toHaveLength(1);
    expect(await row(id)).toMatchObject({ status: "failed", attempts: 1, last_error: "PermanentJobError: no such merchant" });
  });

  it("does not run a delayed job before runAt, and runs it after", async () => {
    const log = new JobEventLog();
    await runner({ log }).start();
    const runAt = new Date(Date.now() + 300);
    const id = await enqueueOne("t.record", "delayed", { runAt });
    runners[0]!.kick();
    await log.waitFor((e) => e.type === "done" && e.id === id);
    expect(Date.now()).toBeGreaterThanOrEqual(runAt.getTime());
    expect(callsFor("delayed")).toHaveLength(1);
  });

  it("coalesces a dedupKey while pending", async () => {
    const a = await enqueueOne("t.record", "dedup-1", { dedupKey: "bull-dedup" });
    const b = await enqueueOne("t.record", "dedup-2", { dedupKey: "bull-dedup" });
    expect(b).toBe(a);
    const log = new JobEventLog();
    await runner({ log }).start();
    await log.waitFor((e) => e.type === "done" && e.id === a);
    expect(callsFor("dedup-1")).toHaveLength(1);
    expect(callsFor("dedup-2")).toHaveLength(0);
  });

  it("ROLE=api only writes rows; its kick wakes the relay in a worker process", async () => {
    const log = new JobEventLog();
    // The worker would otherwise poll only once a minute: only the kick can make this fast.
    await runner({ role: "worker", log, maxPollMs: 60_000 }).start();
    const api = runner({ role: "api" });
    await api.start();
    await api.ping();
    const id = await enqueueOne("t.record", "from-api");
    api.kick();
    await log.waitFor((e) => e.type === "done" && e.id === id, 5000);
    expect(callsFor("from-api")).toHaveLength(1);
  });
});
