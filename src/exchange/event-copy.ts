// PostgreSQL hot path for events: COPY the batch into a per-connection temp table (text
// format: no jsonb parameter to parse, no bind-parameter limit), then one INSERT ... SELECT
// claims the keys in event_key and appends the claimed rows to event. Measured against the
// jsonb_to_recordset statement in bench/results/ingest.md. Runs on the batch's own
// transaction: the postgres.js TransactionSql under the drizzle transaction.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type postgres from "postgres";
import type { Tx } from "../db/client.js";
import type { EventRow } from "./event-store.js";

/** The postgres.js transaction under a drizzle postgres-js transaction (undefined on PGlite). */
export function postgresTransactionOf(tx: Tx): postgres.TransactionSql | undefined {
  const client = (tx as unknown as { session?: { client?: unknown } }).session?.client as postgres.TransactionSql | undefined;
  return typeof client?.unsafe === "function" && typeof (client as { savepoint?: unknown }).savepoint === "function" ? client : undefined;
}

const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };
/** COPY text-format field: backslash, tab, newline and carriage return escaped. */
export const copyField = (s: string): string => (SPECIAL.test(s) ? s.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : s);

const LINES_PER_CHUNK = 1000;

function* copyLines(rows: readonly EventRow[]): Generator<string> {
  for (let at = 0; at < rows.length; at += LINES_PER_CHUNK) {
    let out = "";
    const end = Math.min(rows.length, at + LINES_PER_CHUNK);
    for (let j = at; j < end; j++) {
      const r = rows[j]!;
      out += `${copyField(r.k)}\t${r.i}\t${r.s}\t${r.e}\t${copyField(r.n)}\t${r.t}\t${copyField(JSON.stringify(r.d))}\n`;
    }
    yield out;
  }
}

/** Appends the rows whose keys are new; returns the platform event ids that were NOT (duplicates). */
export async function copyEvents(
  sql: postgres.TransactionSql,
  input: { platformId: string; batchId: string; receivedAt: Date; rows: readonly EventRow[] },
): Promise<Set<string>> {
  // One temp table per connection, emptied at every commit: no catalog churn per batch.
  await sql`create temp table if not exists event_in (k text, i uuid, s uuid, e uuid, n text, t timestamptz, d jsonb) on commit delete rows`;
  const writable = await sql`copy event_in (k, i, s, e, n, t, d) from stdin`.writable();
  await pipeline(Readable.from(copyLines(input.rows)), writable);
  const result = await sql`
    with claimed as (
      insert into event_key (platform_id, platform_event_id, event_id, occurred_at)
      select ${input.platformId}::uuid, k, i, t from event_in
      on conflict do nothing
      returning platform_event_id
    ), appended as (
      insert into event (id, platform_id, shop_id, entity_id, platform_event_id, kind, occurred_at, received_at, batch_id, data)
      select i.i, ${input.platformId}::uuid, i.s, i.e, i.k, i.n, i.t, ${input.receivedAt.toISOString()}::timestamptz, ${input.batchId}::uuid, i.d
      from event_in i join claimed c on c.platform_event_id = i.k
      returning 1
    )
    select k from event_in where k not in (select platform_event_id from claimed)`;
  return new Set(result.map((r) => r.k as string));
}
