// Dry runs read a few chunks at once; what they report must not depend on which read finished
// first: results come back in chunk (id) order, every entity once, and a failed read fails the run.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { createTestDatabase, type TestDatabase } from "../../test/support/db.js";
import { mapScopeChunks, type ScopedEntity } from "./what-if.js";

let t: TestDatabase;
const N = 23;

beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.orm.execute(sql`
    insert into entity (id, name, entity_type, region_code, address, category)
    select gen_random_uuid(), 'e' || g, 'enterprise', case when g % 2 = 0 then '510104' else '510105' end, 'addr', 'food'
    from generate_series(1, ${N}) g`);
});
afterAll(async () => {
  await t?.drop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function collect(parallel: number, work: (chunk: ScopedEntity[]) => Promise<string[]>, prefix = "5101") {
  const out: string[][] = [];
  for await (const { chunk, result } of mapScopeChunks(t.db, prefix, work, { parallel, chunk: 4 })) {
    expect(result).toEqual(chunk.map((e) => e.entityId));
    out.push(result);
  }
  return out;
}

describe("mapScopeChunks", () => {
  it("yields every chunk in id order whatever order the parallel reads finish in", async () => {
    const sequential = await collect(1, async (chunk) => chunk.map((e) => e.entityId));
    let started = 0;
    let running = 0;
    let mostAtOnce = 0;
    const parallel = await collect(3, async (chunk) => {
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      // Later chunks finish first: the first of each three waits longest.
      await sleep(30 - 10 * (started++ % 3));
      running--;
      return chunk.map((e) => e.entityId);
    });
    expect(sequential.flat()).toHaveLength(N);
    expect(new Set(sequential.flat()).size).toBe(N);
    expect(sequential.flat()).toEqual([...sequential.flat()].sort());
    expect(parallel).toEqual(sequential);
    expect(mostAtOnce).toBe(3);
  });

  it("reads only the scope's region", async () => {
    const ids = (await collect(2, async (chunk) => chunk.map((e) => e.entityId), "510104")).flat();
    expect(ids).toHaveLength(Math.floor(N / 2));
  });

  it("a failed chunk fails the run, after the reads in flight have settled", async () => {
    let settled = 0;
    let calls = 0;
    const run = collect(3, async (chunk) => {
      const call = calls++;
      await sleep(call === 1 ? 5 : 20);
      settled++;
      if (call === 1) throw new Error("read failed");
      return chunk.map((e) => e.entityId);
    });
    await expect(run).rejects.toThrow("read failed");
    // Chunks 0 and 2 were in flight beside the failed one and finished before the error surfaced.
    expect(settled).toBeGreaterThanOrEqual(3);
  });
});
