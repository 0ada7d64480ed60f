// Enqueue writes in the caller's transaction, coalesces by dedupKey while pending, and bulk
// enqueue is one statement per 5,000 rows.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/support/db.js";
import { ManualClock } from "../clock.js";
import { createEnqueue, createEnqueueMany, enqueueOnce } from "./outbox.js";
import { defineJob, JobRegistry } from "./registry.js";

let t: TestDatabase;
const clock = new ManualClock("2026-03-01T00:00:00Z");
const registry = new JobRegistry()
  .define(defineJob({ name: "t.noop", parse: (p) => p, handle: async () => {} }))
  .define(defineJob({ name: "t.few", maxAttempts: 2, parse: (p) => p, handle: async () => {} }))
  .define(defineJob({ name: "t.gather", delayMs: 90_000, parse: (p) => p, handle: async () => {} }));
const enqueue = createEnqueue({ clock, registry });
const enqueueMany = createEnqueueMany({ clock, registry });

const rows = (where = sql`true`) =>
  t.db.rows<{ id: number; job: string; payload: unknown; status: string; run_at: unknown; max_attempts: number }>(
    sql`select id, job, payload, status, run_at, max_attempts from outbox where ${where} order by id`,
  );

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe("enqueue", () => {
  it("writes one pending row with the definition's maxAttempts and the clock's time", async () => {
    await t.db.transaction((tx) => enqueue(tx, "t.few", { entityId: "e1", nested: { n: 1 } }));
    const [row] = await rows(sql`job = 't.few'`);
    expect(row).toMatchObject({ status: "pending", max_attempts: 2, payload: { entityId: "e1", nested: { n: 1 } } });
    expect(new Date(row!.run_at as string).toISOString()).toBe("2026-03-01T00:00:00.000Z");
  });

  it("leaves no row when the caller's transaction rolls back", async () => {
    await expect(
      t.db.transaction(async (tx) => {
        await enqueue(tx, "t.noop", { marker: "rolled-back" });
        throw new Error("business rule failed");
      }),
    ).rejects.toThrow("business rule failed");
    expect(await rows(sql`payload->>'marker' = 'rolled-back'`)).toHaveLength(0);
  });

  it("refuses an unknown job name at the source", async () => {
    await expect(enqueue(t.db.orm, "t.missing", {})).rejects.toThrow(/unknown job "t.missing"/);
  });

  it("coalesces a dedupKey while a row with it is pending, and only then", async () => {
    await enqueue(t.db.orm, "t.noop", { v: 1 }, { dedupKey: "k1" });
    await enqueue(t.db.orm, "t.noop", { v: 2 }, { dedupKey: "k1" });
    expect(await rows(sql`dedup_key = 'k1'`)).toHaveLength(1);
    await t.db.rows(sql`update outbox set status = 'done' where dedup_key = 'k1'`);
    await enqueue(t.db.orm, "t.noop", { v: 3 }, { dedupKey: "k1" });
    expect((await rows(sql`dedup_key = 'k1'`)).map((r) => r.status)).toEqual(["done", "pending"]);
  });

  it("enqueueOnce skips a key present in any status but failed", async () => {
    const once = (key: string) => enqueueOnce(t.db.orm, { clock, registry }, { job: "t.noop", payload: {}, dedupKey: key });
    expect(await once("once-1")).toBe(true);
    await t.db.rows(sql`update outbox set status = 'done' where dedup_key = 'once-1'`);
    expect(await once("once-1")).toBe(false);
    await t.db.rows(sql`update outbox set status = 'failed' where dedup_key = 'once-1'`);
    expect(await once("once-1")).toBe(true);
  });
});

describe("enqueueMany", () => {
  it("inserts thousands of rows in chunked multi-row statements and coalesces duplicate keys", async () => {
    const batch = Array.from({ length: 6001 }, (_, i) => ({
      job: "t.noop",
      payload: { i },
      dedupKey: `bulk:${i % 6000}`, // the last row repeats the first key
    }));
    const inserted = await t.db.transaction((tx) => enqueueMany(tx, batch));
    expect(inserted).toBe(6000);
    const [count] = await t.db.rows<{ n: number }>(sql`select count(*)::int as n from outbox where dedup_key like 'bulk:%'`);
    expect(count!.n).toBe(6000);
    // Again, while pending: all coalesced.
    expect(await enqueueMany(t.db.orm, batch.slice(0, 10))).toBe(0);
  });

  it("accepts per-row runAt and an empty list", async () => {
    const runAt = new Date("2026-03-02T12:00:00Z");
    expect(await enqueueMany(t.db.orm, [])).toBe(0);
    await enqueueMany(t.db.orm, [{ job: "t.noop", payload: { late: true }, runAt }]);
    const [row] = await rows(sql`payload->>'late' = 'true'`);
    expect(new Date(row!.run_at as string).toISOString()).toBe(runAt.toISOString());
  });

  it("runs a job defined with a delay that long after now, unless the row names its own runAt", async () => {
    const runAt = new Date("2026-03-01T00:00:05Z");
    await enqueueMany(t.db.orm, [{ job: "t.gather", payload: { k: "delayed" } }, { job: "t.gather", payload: { k: "named" }, runAt }]);
    await enqueueOnce(t.db.orm, { clock, registry }, { job: "t.gather", payload: { k: "once" }, dedupKey: "gather-once" });
    const at = Object.fromEntries((await rows(sql`job = 't.gather'`)).map((r) => [(r.payload as { k: string }).k, new Date(r.run_at as string).toISOString()]));
    expect(at).toEqual({ delayed: "2026-03-01T00:01:30.000Z", named: runAt.toISOString(), once: "2026-03-01T00:01:30.000Z" });
  });

  it("gives rows delayed within one interval the same instant: the next multiple of the delay at least the delay away", async () => {
    const at = async (when: string, k: string) => {
      const c = new ManualClock(when);
      await createEnqueueMany({ clock: c, registry })(t.db.orm, [{ job: "t.gather", payload: { k } }]);
      const [row] = await rows(sql`job = 't.gather' and payload->>'k' = ${k}`);
      return new Date(row!.run_at as string).toISOString();
    };
    // 90 s intervals: (00:00:00, 00:01:30] share 00:03:00; 00:01:30.001 starts the next one.
    expect(await at("2026-03-01T00:00:00.001Z", "first")).toBe("2026-03-01T00:03:00.000Z");
    expect(await at("2026-03-01T00:01:29.999Z", "last")).toBe("2026-03-01T00:03:00.000Z");
    expect(await at("2026-03-01T00:01:30.001Z", "next")).toBe("2026-03-01T00:04:30.000Z");
  });

  it("refuses a negative delay when the job is defined", () => {
    expect(() => new JobRegistry().define(defineJob({ name: "t.bad", delayMs: -1, parse: (p) => p, handle: async () => {} }))).toThrow(/delayMs/);
  });
});
