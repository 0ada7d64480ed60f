// Replay protection shared by client assertions and body signatures: a jti is accepted once per
// scope until it expires. A row whose time has passed may be taken over (the credential it came
// with could not be accepted any more anyway). Expired rows are swept now and then, in bounded
// batches, by whichever request happens along — no scheduler needed.
import { sql } from "drizzle-orm";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";

const SWEEP_EVERY_MS = 60_000;
const SWEEP_BATCH = 5_000;

export interface JtiStore {
  /** true if this is the first use of (scope, jti); false for a replay. */
  remember(scope: string, jti: string, expiresAt: Date): Promise<boolean>;
}

export function createJtiStore(deps: { db: Database; clock: Clock }): JtiStore {
  let lastSweep = 0;
  async function sweep(now: Date) {
    if (Date.now() - lastSweep < SWEEP_EVERY_MS) return;
    lastSweep = Date.now();
    await deps.db.rows(sql`
      delete from used_jti where ctid in (
        select ctid from used_jti where expires_at < ${now.toISOString()}::timestamptz limit ${SWEEP_BATCH})`);
  }
  return {
    async remember(scope, jti, expiresAt) {
      const now = deps.clock.now();
      const rows = await deps.db.rows<{ jti: string }>(sql`
        insert into used_jti (scope, jti, expires_at) values (${scope}, ${jti}, ${expiresAt.toISOString()}::timestamptz)
        on conflict (scope, jti) do update set expires_at = excluded.expires_at
          where used_jti.expires_at < ${now.toISOString()}::timestamptz
        returning jti`);
      void sweep(now).catch(() => {});
      return rows.length === 1;
    },
  };
}
