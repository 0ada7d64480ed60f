// PostgreSQL hot path for events, on the batch's own transaction (the postgres.js
// TransactionSql under the drizzle transaction). Measured in bench/results/ingest.md:
// 1. claim the keys: one INSERT INTO event_key ... SELECT FROM unnest(three arrays) ON CONFLICT
//    DO NOTHING, answering only the keys that were already there (usually none);
// 2. COPY the claimed rows straight into event (text format, no bind-parameter limit).
// Why not COPY into event_key too: a resent key makes COPY fail, and postgres.js 3.4 never
// settles a COPY stream that fails after its last chunk (the connection would hang).
// A concurrent batch holding one of the keys makes the INSERT wait for it, then skip it.
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

function* copyLines(rows: readonly EventRow[], line: (r: EventRow) => string): Generator<string> {
  for (let at = 0; at < rows.length; at += LINES_PER_CHUNK) {
    let out = "";
    const end = Math.min(rows.length, at + LINES_PER_CHUNK);
    for (let j = at; j < end; j++) out += line(rows[j]!);
    yield out;
  }
}

async function copyInto(sql: postgres.TransactionSql, statement: string, lines: Iterable<string>): Promise<void> {
  const writable = await sql.unsafe(statement).writable();
  await pipeline(Readable.from(lines), writable);
}

/**
 * A PostgreSQL array literal built in one pass (postgres.js's array serialiser escapes every
 * element with regexes). Uuids and RFC 3339 times need no quoting; free text is quoted.
 */
function arrayLiteral(rows: readonly EventRow[], item: (r: EventRow) => string): string {
  let out = "{";
  for (let j = 0; j < rows.length; j++) out += (j === 0 ? "" : ",") + item(rows[j]!);
  return out + "}";
}
const ARRAY_SPECIAL = /["\\]/g;
const quoted = (s: string) => `"${s.replace(ARRAY_SPECIAL, "\\$&")}"`;

interface CopyInput {
  platformId: string;
  batchId: string;
  receivedAt: Date;
  rows: readonly EventRow[];
}

/** Appends the rows whose keys are new; returns the platform event ids that were NOT (duplicates). */
export async function copyEvents(sql: postgres.TransactionSql, input: CopyInput): Promise<Set<string>> {
  const { platformId, rows } = input;
  const claimed = await sql`
    with input as (
      select * from unnest(${arrayLiteral(rows, (r) => quoted(r.k))}::text[], ${arrayLiteral(rows, (r) => r.i)}::uuid[], ${arrayLiteral(rows, (r) => r.t)}::timestamptz[]) as r(k, i, t)
    ), claimed as (
      insert into event_key (platform_id, platform_event_id, event_id, occurred_at)
      select ${platformId}::uuid, k, i, t from input
      on conflict do nothing
      returning platform_event_id
    )
    select k from input where k not in (select platform_event_id from claimed)`;
  const duplicates = new Set(claimed.map((r) => r.k as string));
  const fresh = duplicates.size === 0 ? rows : rows.filter((r) => !duplicates.has(r.k));
  if (fresh.length === 0) return duplicates;
  const tail = `\t${input.receivedAt.toISOString()}\t${input.batchId}\t`;
  await copyInto(
    sql,
    "copy event (id, platform_id, shop_id, entity_id, platform_event_id, kind, occurred_at, received_at, batch_id, data) from stdin",
    copyLines(fresh, (r) => `${r.i}\t${platformId}\t${r.s}\t${r.e}\t${copyField(r.k)}\t${copyField(r.n)}\t${r.t}${tail}${copyField(JSON.stringify(r.d))}\n`),
  );
  return duplicates;
}
