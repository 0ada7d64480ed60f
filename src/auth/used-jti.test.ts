import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/support/db.js";
import { ManualClock } from "../clock.js";
import { createJtiStore } from "./used-jti.js";

let t: TestDatabase;
const clock = new ManualClock("2026-01-01T00:00:00Z");
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

const count = async () => (await t.db.rows<{ n: number }>(sql`select count(*)::int as n from used_jti`))[0]!.n;

describe("used jti", () => {
  it("accepts a jti once per scope until it expires; expired rows are taken over and swept", async () => {
    const store = createJtiStore({ db: t.db, clock });
    const in5min = new Date(clock.now().getTime() + 300_000);
    expect(await store.remember("body:a", "j1", in5min)).toBe(true);
    expect(await store.remember("body:a", "j1", in5min)).toBe(false);
    expect(await store.remember("body:b", "j1", in5min)).toBe(true);
    clock.advance(301_000);
    expect(await store.remember("body:a", "j1", new Date(clock.now().getTime() + 300_000))).toBe(true);
    // A fresh store sweeps on its first use: body:b/j1 has expired.
    const fresh = createJtiStore({ db: t.db, clock });
    expect(await fresh.remember("body:c", "j2", new Date(clock.now().getTime() + 300_000))).toBe(true);
    await expect.poll(count).toBe(2);
  });
});
