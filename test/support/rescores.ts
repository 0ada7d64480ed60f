// Waiting for classification.rescore without sleeps: the rescore set (rescore_pending) is drained
// by drain jobs, and a drain may request more (related entities, links). Waits on the job events
// of every drain row not yet finished until the set is empty and no drain is left.
import { sql } from "drizzle-orm";
import { expect } from "vitest";
import type { TestGateway } from "./gateway.js";

/**
 * `dueBy` (a manual clock's now): waits only for the drains due by then; drains due later (a
 * coalescing window) stay pending, and the set is checked empty only once none is left at all.
 */
export async function rescoresSettled(gw: Pick<TestGateway, "system" | "jobEvents">, timeoutMs = 30_000, dueBy?: Date): Promise<void> {
  const db = gw.system.deps.db;
  for (;;) {
    const rows = await db.rows<{ id: number }>(sql`
      select id::int as id from outbox where job = 'classification.rescore' and status not in ('done', 'failed')
        and ${dueBy === undefined ? sql`true` : sql`run_at <= ${dueBy.toISOString()}::timestamptz`} order by id`);
    if (rows.length === 0) {
      if (dueBy !== undefined) {
        const [later] = await db.rows<{ n: number }>(sql`select count(*)::int as n from outbox where job = 'classification.rescore' and status not in ('done', 'failed')`);
        if (Number(later!.n) > 0) return;
      }
      const [left] = await db.rows<{ n: number }>(sql`select count(*)::int as n from rescore_pending`);
      expect(Number(left!.n), "entities left in the rescore set with no drain job").toBe(0);
      return;
    }
    for (const r of rows) {
      const e = await gw.jobEvents.waitFor((x) => x.id === r.id && (x.type === "done" || x.type === "failed"), timeoutMs);
      expect(e.type, JSON.stringify(e)).toBe("done");
    }
  }
}
