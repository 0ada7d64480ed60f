// Monthly event partitions must exist before rows land in them. ensure_event_partition is
// idempotent and safe under concurrency; it runs outside (before) the batch's transaction so
// the DDL's lock on the parent table is not held for the whole batch, and each month is
// asked for once per process and database.
import { sql } from "drizzle-orm";
import type { Database } from "../db/client.js";

const known = new WeakMap<Database, Set<string>>();

/** "YYYY-MM-01" of a UTC instant (ms). */
export function monthOf(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}-01`;
}

export async function ensureEventPartitions(db: Database, months: Iterable<string>): Promise<void> {
  let seen = known.get(db);
  if (!seen) known.set(db, (seen = new Set()));
  for (const month of new Set(months)) {
    if (seen.has(month)) continue;
    await db.orm.execute(sql`select ensure_event_partition(${month}::date)`);
    seen.add(month);
  }
}
