// Whether a platform's batches ask for rescoring: not while an admin has a backfill of its
// history open (classification/backfill.ts). The platform row is read FOR SHARE inside the
// batch's transaction: finishing the backfill locks it FOR UPDATE, so it waits for the batches
// in flight, and the run it starts finds every batch that asked for no rescore committed.
// Batches of one platform share the lock and do not wait for each other.
import { sql } from "drizzle-orm";
import { rowsOf, type Executor } from "../db/client.js";

export async function inBackfill(tx: Executor, platformId: string): Promise<boolean> {
  const [row] = rowsOf<{ open: boolean }>(
    await tx.execute(sql`select backfill_since is not null as open from platform where id = ${platformId}::uuid for share`),
  );
  return row?.open === true;
}
