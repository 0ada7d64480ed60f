// Statements through drizzle on PostgreSQL are prepared once per connection and their plans
// reused (postgres.js's default, which drizzle's unnamed statements had turned off).
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf, type Executor } from "../src/db/client.js";
import { SeenTexts } from "../src/db/prepared.js";
import { createTestDatabase, usingPostgres, type TestDatabase } from "./support/db.js";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

/** One statement text per marker (in a comment); the number is a parameter. */
const probe = (on: Executor, n: number, marker: string) =>
  on.execute(sql`select ${n}::int + 1 as v from entity where false union all select ${n}::int + 1 /* ${sql.raw(marker)} */`);

const preparedOf = async (on: Executor, marker: string) =>
  rowsOf<{ custom_plans: number; generic_plans: number }>(
    await on.execute(sql`select custom_plans::int, generic_plans::int from pg_prepared_statements
      where statement like ${`%/* ${marker} */%`} and statement not like '%pg_prepared_statements%'`),
  );

describe.skipIf(!usingPostgres())("prepared statements on PostgreSQL", () => {
  it("prepares a repeated parameterised statement once in a transaction and reuses its plan", async () => {
    await t.db.transaction(async (tx) => {
      for (let n = 0; n < 8; n++) expect(rowsOf<{ v: number }>(await probe(tx, n, "probe-tx")).map((r) => r.v)).toEqual([n + 1]);
      const prepared = await preparedOf(tx, "probe-tx");
      expect(prepared).toHaveLength(1);
      // Prepared from its second execution on: the first one only made the text known.
      expect(prepared[0]!.custom_plans + prepared[0]!.generic_plans).toBe(7);
      expect(prepared[0]!.generic_plans).toBeGreaterThan(0);
    });
  });

  it("leaves a text run once unprepared (texts with an inlined value would pile up on the connection)", async () => {
    await t.db.transaction(async (tx) => {
      for (let n = 0; n < 5; n++) await probe(tx, n, `probe-once-${n}`);
      for (let n = 0; n < 5; n++) expect(await preparedOf(tx, `probe-once-${n}`)).toEqual([]);
    });
  });

  it("does so inside a savepoint (a nested transaction) as well", async () => {
    await t.db.transaction(async (tx) => {
      await tx.transaction(async (inner) => {
        for (let n = 0; n < 3; n++) await probe(inner, n, "probe-savepoint");
        const prepared = await preparedOf(inner, "probe-savepoint");
        expect(prepared).toHaveLength(1);
        expect(prepared[0]!.custom_plans + prepared[0]!.generic_plans).toBe(2);
      });
    });
  });
});

describe("SeenTexts", () => {
  it("tells a repeated text from a first one and forgets the least recently seen past its limit", () => {
    const seen = new SeenTexts(2);
    expect(seen.repeated("a")).toBe(false);
    expect(seen.repeated("a")).toBe(true);
    expect(seen.repeated("b")).toBe(false);
    expect(seen.repeated("a")).toBe(true); // a is now the most recent
    expect(seen.repeated("c")).toBe(false); // b, the least recent, is forgotten
    expect(seen.repeated("b")).toBe(false);
    expect(seen.repeated("c")).toBe(true);
  });
});
