// joinsAsWritten: the join search is off for the statements it runs and for nothing after them,
// in the caller's transaction or outside one, whether they succeed or fail (both backends).
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf, type Executor } from "../src/db/client.js";
import { joinsAsWritten } from "../src/db/join-order.js";
import { createTestDatabase, type TestDatabase } from "./support/db.js";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const limit = async (on: Executor) => rowsOf<{ v: string }>(await on.execute(sql`select current_setting('join_collapse_limit') as v`))[0]!.v;

describe("joinsAsWritten", () => {
  it("runs its statements with the join order as written, and the caller's next ones as before", async () => {
    await t.db.transaction(async (tx) => {
      expect(await limit(tx)).toBe("8");
      expect(await joinsAsWritten(tx, (inner) => limit(inner))).toBe("1");
      expect(await limit(tx)).toBe("8");
    });
    expect(await joinsAsWritten(t.db.orm, (inner) => limit(inner))).toBe("1");
    expect(await limit(t.db.orm)).toBe("8");
  });

  it("passes a failure on and leaves the caller's transaction usable, with its own setting", async () => {
    await t.db.transaction(async (tx) => {
      await expect(joinsAsWritten(tx, (inner) => inner.execute(sql`select 1 / 0`))).rejects.toThrow(/select 1 \/ 0/);
      expect(await limit(tx)).toBe("8");
    });
  });
});
