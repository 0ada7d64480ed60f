// Appending and verifying an untampered chain, on PGlite or the PostgreSQL of DATABASE_URL.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { asc, sql } from "drizzle-orm";
import { createTestDatabase, usingPostgres, type TestDatabase } from "../../test/support/db.js";
import { ManualClock } from "../clock.js";
import { auditLog } from "../db/schema/audit.js";
import { appendAudit, GENESIS_HASH, verifyAuditChain, type AuditEntry } from "./index.js";

let t: TestDatabase;
const clock = new ManualClock("2026-01-01T00:00:00Z");
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});
beforeEach(async () => {
  // Start each test from an empty chain; only a table owner disabling the guard can do this.
  await t.db.transaction(async (tx) => {
    await tx.execute(sql`alter table audit_log disable trigger user`);
    await tx.execute(sql`truncate audit_log`);
    await tx.execute(sql`alter table audit_log enable trigger user`);
  });
});

const entry = (i: number): AuditEntry => ({
  actor: "regulator:r1",
  action: "sandbox.admit",
  subjectType: "entity",
  subjectId: `e${i}`,
  data: { i, reason: "test" },
});

describe("appendAudit", () => {
  it("builds a chain from genesis that verifies", async () => {
    const records = [];
    for (let i = 0; i < 25; i++) {
      clock.advance(1234);
      records.push(await t.db.transaction((tx) => appendAudit(tx, clock, entry(i))));
    }
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(records[0]?.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < records.length; i++) expect(records[i]?.prevHash).toBe(records[i - 1]?.hash);
    const last = records.at(-1)!;
    expect(await verifyAuditChain(t.db)).toEqual({ ok: true, count: 25, head: { seq: 25, hash: last.hash } });
    // Pages of every size give the same answer (page boundaries carry the link).
    for (const batchSize of [1, 2, 7, 25, 26]) {
      expect(await verifyAuditChain(t.db, { batchSize })).toMatchObject({ ok: true, count: 25 });
    }
    expect(await verifyAuditChain(t.db, { fromSeq: 11, batchSize: 4 })).toMatchObject({ ok: true, count: 15, head: { seq: 25 } });
    expect(await verifyAuditChain(t.db, { expectedHead: { seq: 10, hash: records[9]!.hash } })).toMatchObject({ ok: true });
  });

  it("verifies an empty chain with the genesis head", async () => {
    expect(await verifyAuditChain(t.db)).toEqual({ ok: true, count: 0, head: { seq: 0, hash: GENESIS_HASH } });
  });

  it("hashes exactly what reads back from jsonb: nested keys, Chinese, numbers, unicode", async () => {
    const data = {
      zeta: { 中文键: "成都市武侯区", nested: { b: [1.5, 1.50, 1e21, 0.1, -0, 12345678901234567890], a: null } },
      alpha: "emoji 😀 · combining é · rtl عربي · ½ · \u2028 \t \"quoted\" \\ back",
      long: "x".repeat(5000),
      amountCents: 150,
      flags: [true, false, null, { y: 1, x: 2, yy: 3, 10: "ten", 9: "nine" }],
      when: new Date("2026-02-03T04:05:06.007Z"),
    };
    clock.set("2026-02-28T23:59:59.999Z");
    await t.db.transaction((tx) => appendAudit(tx, clock, { actor: "平台:京东", action: "备案", subjectType: "entity", data }));
    const [row] = await t.db.orm.select().from(auditLog);
    expect(row?.at.toISOString()).toBe("2026-02-28T23:59:59.999Z");
    expect(row?.subjectId).toBeNull();
    expect(row?.data).toEqual(JSON.parse(JSON.stringify(data)));
    const [kind] = await t.db.rows<{ k: string }>(sql`select jsonb_typeof(data) as k from audit_log`);
    expect(kind?.k).toBe("object"); // stored as a jsonb object, not a JSON string
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, count: 1 });
  });

  it("rejects data that would not read back unchanged, before writing anything", async () => {
    await expect(appendAudit(t.db.orm, clock, { ...entry(1), data: { n: Number.NaN } })).rejects.toThrow(/not representable/);
    await expect(appendAudit(t.db.orm, clock, { ...entry(1), data: [1, 2] })).rejects.toThrow(/JSON object/);
    await expect(appendAudit(t.db.orm, clock, { ...entry(1), actor: "a\u0000" })).rejects.toThrow(/NUL/);
    expect(await t.db.orm.select().from(auditLog)).toEqual([]);
  });

  it("rolls back with the caller's transaction and leaves no gap", async () => {
    await appendAudit(t.db.orm, clock, entry(1)); // the bare database: appendAudit opens its own transaction
    await expect(
      t.db.transaction(async (tx) => {
        await appendAudit(tx, clock, entry(2));
        throw new Error("the verb failed after auditing");
      }),
    ).rejects.toThrow(/verb failed/);
    await t.db.transaction((tx) => appendAudit(tx, clock, entry(3)));
    const rows = await t.db.orm.select({ seq: auditLog.seq, subjectId: auditLog.subjectId }).from(auditLog).orderBy(asc(auditLog.seq));
    expect(rows).toEqual([
      { seq: 1, subjectId: "e1" },
      { seq: 2, subjectId: "e3" },
    ]);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, count: 2 });
  });

  it("keeps one line when many transactions append at once", async () => {
    // On PostgreSQL these run on up to 5 connections at the same time; each transaction does
    // some work before and after its append so that they genuinely overlap.
    const n = usingPostgres() ? 60 : 20;
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        i % 5 === 0
          ? appendAudit(t.db.orm, clock, entry(i))
          : t.db.transaction(async (tx) => {
              await tx.execute(sql`select pg_sleep(0.002)`);
              await appendAudit(tx, clock, entry(i));
              await appendAudit(tx, clock, { ...entry(i), action: "second.in.same.tx" });
              await tx.execute(sql`select pg_sleep(0.002)`);
            }),
      ),
    );
    const expected = n + (n - n / 5);
    const result = await verifyAuditChain(t.db, { batchSize: 16 });
    expect(result).toMatchObject({ ok: true, count: expected, head: { seq: expected } });
    const subjects = await t.db.orm.select({ s: auditLog.subjectId }).from(auditLog);
    expect(new Set(subjects.map((r) => r.s)).size).toBe(n);
  });
});
