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

/** About this many bytes of COPY text go to the socket at a time. */
const CHUNK_BYTES = 256 * 1024;
const TAB = 0x09;
const NEWLINE = 0x0a;

/**
 * COPY text written straight into buffers, field by field. Building each chunk as one string
 * and letting the stream encode it cost ~17 % of the gateway's busy time in a profile of the
 * batch endpoint: the string is a rope of thousands of pieces, flattened before it is encoded.
 */
class CopyBuffer {
  private buf: Buffer | undefined;
  private at = 0;

  /** Room for a line of at most `bytes`; hands back the chunk it had to close, if any. */
  reserve(bytes: number): Buffer | undefined {
    const full = this.buf && this.at + bytes > this.buf.length ? this.take() : undefined;
    this.buf ??= Buffer.allocUnsafe(Math.max(CHUNK_BYTES, bytes));
    return full;
  }

  field(s: string): void {
    this.at += this.buf!.write(s, this.at);
    this.buf![this.at++] = TAB;
  }

  last(s: string): void {
    this.at += this.buf!.write(s, this.at);
    this.buf![this.at++] = NEWLINE;
  }

  /** The bytes written so far (undefined when none); the next line starts a new buffer. */
  take(): Buffer | undefined {
    const full = this.at > 0 ? this.buf!.subarray(0, this.at) : undefined;
    this.buf = undefined;
    this.at = 0;
    return full;
  }
}

/** Upper bound of a string's UTF-8 size, plus its tab or newline. */
const room = (s: string) => 3 * s.length + 1;

async function copyInto(sql: postgres.TransactionSql, statement: string, chunks: Iterable<Buffer>): Promise<void> {
  const writable = await sql.unsafe(statement).writable();
  await pipeline(Readable.from(chunks), writable);
}

/**
 * A PostgreSQL array literal (postgres.js's array serialiser escapes every element with
 * regexes; join builds a flat string, where += would build a rope to flatten later). Uuids
 * and RFC 3339 times need no quoting; free text is quoted.
 */
const arrayLiteral = (rows: readonly EventRow[], item: (r: EventRow) => string): string => `{${rows.map(item).join(",")}}`;
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
  await copyInto(
    sql,
    "copy event (id, platform_id, shop_id, entity_id, platform_event_id, kind, occurred_at, received_at, batch_id, data) from stdin",
    eventChunks(fresh, platformId, input.receivedAt.toISOString(), input.batchId),
  );
  return duplicates;
}

function* eventChunks(rows: readonly EventRow[], platformId: string, receivedAt: string, batchId: string): Generator<Buffer> {
  const out = new CopyBuffer();
  const fixed = room(platformId) + room(receivedAt) + room(batchId);
  for (const r of rows) {
    const key = copyField(r.k);
    const kind = copyField(r.n);
    const data = copyField(JSON.stringify(r.d));
    const full = out.reserve(fixed + room(r.i) + room(r.s) + room(r.e) + room(key) + room(kind) + room(r.t) + room(data));
    if (full) yield full;
    out.field(r.i);
    out.field(platformId);
    out.field(r.s);
    out.field(r.e);
    out.field(key);
    out.field(kind);
    out.field(r.t);
    out.field(receivedAt);
    out.field(batchId);
    out.last(data);
  }
  const rest = out.take();
  if (rest) yield rest;
}
