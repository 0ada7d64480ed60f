// An attacker with the database owner's rights switches the append-only trigger off and edits,
// deletes or inserts rows; the chain names the first bad row and what was done to it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { asc, eq, gte, sql } from "drizzle-orm";
import { createTestDatabase, type TestDatabase } from "../../test/support/db.js";
import { ManualClock } from "../clock.js";
import type { Tx } from "../db/client.js";
import { auditLog } from "../db/schema/audit.js";
import { appendAudit, auditRowHash, GENESIS_HASH, verifyAuditChain, type ChainHead, type JsonValue } from "./index.js";

let t: TestDatabase;
const clock = new ManualClock("2026-01-01T00:00:00Z");
let heads: ChainHead[] = []; // heads[i] = the head after row i + 1 was appended
const N = 10;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});
beforeEach(async () => {
  await asAttacker((tx) => tx.execute(sql`truncate audit_log`));
  heads = [];
  for (let i = 1; i <= N; i++) {
    clock.advance(60_000);
    const r = await appendAudit(t.db.orm, clock, {
      actor: `regulator:r${i % 3}`,
      action: "notice.issue",
      subjectType: "entity",
      subjectId: `e${i}`,
      data: { i, amountCents: i * 150, text: "限期整改", nested: { b: [i, 1.5], a: "x" } },
    });
    heads.push({ seq: r.seq, hash: r.hash });
  }
  expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, count: N });
});

/** What someone who owns the table can do: disable the guard and write what they like. */
async function asAttacker(fn: (tx: Tx) => Promise<unknown>): Promise<void> {
  await t.db.transaction(async (tx) => {
    await tx.execute(sql`alter table audit_log disable trigger user`);
    await fn(tx);
    await tx.execute(sql`alter table audit_log enable trigger user`);
  });
}

/** Renumbers rows from `from` on by `by` (in two steps so the primary key never collides). */
async function renumber(tx: Tx, from: number, by: number): Promise<void> {
  await tx.execute(sql`update audit_log set seq = -(seq + ${sql.raw(String(by))}) where seq >= ${from}`);
  await tx.execute(sql`update audit_log set seq = -seq where seq < 0`);
}

async function rowAt(tx: Tx, seq: number) {
  const [row] = await tx.select().from(auditLog).where(eq(auditLog.seq, seq));
  if (!row) throw new Error(`no row ${seq}`);
  return row;
}

const rehash = (row: typeof auditLog.$inferSelect): string => auditRowHash({ ...row, data: row.data as JsonValue });

/** A forged row at `seq` that links correctly to `prevHash`. */
function forged(seq: number, prevHash: string) {
  const row = {
    seq,
    at: new Date("2026-01-01T00:05:30Z"),
    actor: "regulator:r1",
    action: "sandbox.admit",
    subjectType: "entity",
    subjectId: "friend-of-the-attacker",
    data: { reason: "looks fine" },
    prevHash,
  };
  return { ...row, hash: auditRowHash(row) };
}

async function expectBreak(firstBadSeq: number, problem: string, detail?: RegExp): Promise<void> {
  for (const batchSize of [1, 4, 1000]) {
    const result = await verifyAuditChain(t.db, { batchSize });
    expect(result, `batchSize ${batchSize}`).toMatchObject({ ok: false, firstBadSeq, problem });
    if (detail && !result.ok) expect(result.detail).toMatch(detail);
  }
}

describe("verifyAuditChain against tampering", () => {
  describe("modified", () => {
    it("an edited row (hash left alone)", async () => {
      await asAttacker((tx) => tx.execute(sql`update audit_log set data = jsonb_set(data, '{amountCents}', '1') where seq = 5`));
      await expectBreak(5, "modified", /content does not match/);
    });

    it("an edited row whose hash was recomputed: the next row remembers the original", async () => {
      await asAttacker(async (tx) => {
        const row = { ...(await rowAt(tx, 5)), actor: "regulator:someone-else" };
        await tx.update(auditLog).set({ actor: row.actor, hash: rehash(row) }).where(eq(auditLog.seq, 5));
      });
      await expectBreak(5, "modified", /rewritten and re-hashed/);
    });

    it("the first row", async () => {
      await asAttacker((tx) => tx.execute(sql`update audit_log set subject_id = 'e999' where seq = 1`));
      await expectBreak(1, "modified");
    });

    it("a renumbered last row", async () => {
      await asAttacker((tx) => tx.execute(sql`update audit_log set seq = 12 where seq = 10`));
      await expectBreak(12, "modified", /seq was changed/);
    });
  });

  describe("deleted", () => {
    it("a row in the middle", async () => {
      await asAttacker((tx) => tx.execute(sql`delete from audit_log where seq = 5`));
      await expectBreak(5, "deleted", /row 5 is missing/);
    });

    it("several rows in the middle", async () => {
      await asAttacker((tx) => tx.execute(sql`delete from audit_log where seq between 4 and 6`));
      await expectBreak(4, "deleted", /rows 4\.\.6 are missing/);
    });

    it("the first row", async () => {
      await asAttacker((tx) => tx.execute(sql`delete from audit_log where seq = 1`));
      await expectBreak(1, "deleted");
    });

    it("a row whose gap was closed by renumbering the rest", async () => {
      await asAttacker(async (tx) => {
        await tx.execute(sql`delete from audit_log where seq in (5, 6)`);
        await renumber(tx, 7, -2);
      });
      await expectBreak(5, "deleted", /hashed as row 7: 2 row\(s\) before it were deleted/);
    });
  });

  describe("inserted", () => {
    it("a forged row slipped in the middle, the rest renumbered to make room", async () => {
      await asAttacker(async (tx) => {
        await renumber(tx, 5, 1);
        await tx.insert(auditLog).values(forged(5, heads[3]!.hash));
      });
      await expectBreak(5, "inserted", /row 6 links to row 4, so rows 5\.\.5 were inserted/);
    });

    it("two chained forged rows", async () => {
      await asAttacker(async (tx) => {
        await renumber(tx, 3, 2);
        const a = forged(3, heads[1]!.hash);
        await tx.insert(auditLog).values([a, forged(4, a.hash)]);
      });
      await expectBreak(3, "inserted", /rows 3\.\.4 were inserted/);
    });

    it("a forged row before the first", async () => {
      await asAttacker(async (tx) => {
        await renumber(tx, 1, 1);
        await tx.insert(auditLog).values(forged(1, GENESIS_HASH));
      });
      await expectBreak(1, "inserted");
    });

    it("a row numbered outside the chain", async () => {
      await asAttacker((tx) => tx.insert(auditLog).values(forged(0, GENESIS_HASH)));
      await expectBreak(0, "inserted");
    });
  });

  describe("the tail, against an anchored head", () => {
    it("truncation is invisible to the chain alone but caught by expectedHead", async () => {
      const anchored = heads[N - 1]!;
      await asAttacker((tx) => tx.delete(auditLog).where(gte(auditLog.seq, 9)));
      expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, count: 8, head: heads[7] });
      expect(await verifyAuditChain(t.db, { expectedHead: anchored })).toMatchObject({
        ok: false,
        firstBadSeq: 9,
        problem: "deleted",
        detail: expect.stringMatching(/truncated/),
      });
      // An older anchor is still there: the damage is after it.
      expect(await verifyAuditChain(t.db, { expectedHead: heads[7]! })).toMatchObject({ ok: true });
    });

    it("a rewrite re-hashed to the end is caught by expectedHead", async () => {
      const anchored = heads[N - 1]!;
      await asAttacker(async (tx) => {
        await tx.execute(sql`update audit_log set data = '{"i": 8, "note": "rewritten"}' where seq = 8`);
        let prevHash = heads[6]!.hash;
        for (const row of await tx.select().from(auditLog).where(gte(auditLog.seq, 8)).orderBy(asc(auditLog.seq))) {
          const hash = rehash({ ...row, prevHash });
          await tx.update(auditLog).set({ prevHash, hash }).where(eq(auditLog.seq, row.seq));
          prevHash = hash;
        }
      });
      expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, count: N });
      expect(await verifyAuditChain(t.db, { expectedHead: anchored })).toMatchObject({
        ok: false,
        firstBadSeq: N,
        problem: "modified",
      });
      expect(await verifyAuditChain(t.db, { expectedHead: heads[6]! })).toMatchObject({ ok: true });
    });
  });

  it("fromSeq resumes from a verified anchor and still sees damage after it", async () => {
    await asAttacker((tx) => tx.execute(sql`delete from audit_log where seq = 8`));
    expect(await verifyAuditChain(t.db, { fromSeq: 3, batchSize: 2 })).toMatchObject({ ok: false, firstBadSeq: 8, problem: "deleted" });
    expect(await verifyAuditChain(t.db, { fromSeq: 9 })).toMatchObject({ ok: false, firstBadSeq: 8, problem: "deleted" });
  });
});
