// The feed: a platform's outbound messages in (tx_id, seq) order, resumable from an opaque
// cursor. Only rows whose writing transaction is older than every transaction still running
// are shown (tx_id < pg_snapshot_xmin(pg_current_snapshot())). A transaction that commits
// later can only have a tx_id at or above that horizon, so nothing ever appears behind a
// cursor a reader already holds: no gaps, even when writers commit out of order (a plain
// seq order would skip a lower seq committed after a higher one was read). The price is
// latency: a long-running transaction anywhere in the cluster holds back newer messages.
import { sql } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { AppError } from "../../http/errors.js";

export interface FeedCursor {
  /** xid8 as a decimal string (64-bit). */
  txId: string;
  seq: string;
}

export interface FeedMessage {
  cursor: string;
  id: string;
  type: string;
  createdAt: string;
  entityId?: string;
  data: Record<string, unknown>;
}

export interface FeedPage {
  messages: FeedMessage[];
  nextCursor: string;
  hasMore: boolean;
}

/** Before the first message: every real (tx_id, seq) is greater. */
export const START_CURSOR: FeedCursor = { txId: "0", seq: "0" };

const XID8_MAX = (1n << 64n) - 1n;
const BIGINT_MAX = (1n << 63n) - 1n;

export function encodeCursor(c: FeedCursor): string {
  return Buffer.from(`${c.txId}.${c.seq}`, "utf8").toString("base64url");
}

/** Opaque to clients, so anything but our own encoding is a 400, never a database error. */
export function decodeCursor(cursor: string): FeedCursor {
  const invalid = () => new AppError("VALIDATION_FAILED", "invalid feed cursor", { errors: [{ pointer: "after", message: "not a cursor returned by this feed" }] });
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(cursor)) throw invalid();
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const match = /^(0|[1-9]\d{0,19})\.(0|[1-9]\d{0,18})$/.exec(text);
  if (!match) throw invalid();
  const [, txId, seq] = match as unknown as [string, string, string];
  if (BigInt(txId) > XID8_MAX || BigInt(seq) > BIGINT_MAX) throw invalid();
  // Canonical form only: one cursor string per position.
  if (encodeCursor({ txId, seq }) !== cursor) throw invalid();
  return { txId, seq };
}

interface FeedRow extends Record<string, unknown> {
  id: string;
  seq_text: string;
  tx_text: string;
  type: string;
  entity_id: string | null;
  data: Record<string, unknown>;
  created_at: string | Date;
}

export async function readFeed(db: Database, platformId: string, after: FeedCursor, limit: number): Promise<FeedPage> {
  const rows = await db.rows<FeedRow>(sql`
    -- Aliases differ from the column names: ORDER BY would otherwise sort the text forms.
    select id, seq::text as seq_text, tx_id::text as tx_text, type, entity_id, data, created_at
    from outbound_message
    where platform_id = ${platformId}
      and tx_id < pg_snapshot_xmin(pg_current_snapshot())
      and (tx_id, seq) > (${after.txId}::xid8, ${after.seq}::bigint)
    order by tx_id, seq
    limit ${limit + 1}`);
  const hasMore = rows.length > limit;
  const messages = rows.slice(0, limit).map((r) => ({
    cursor: encodeCursor({ txId: r.tx_text, seq: r.seq_text }),
    id: r.id,
    type: r.type,
    createdAt: new Date(r.created_at).toISOString(),
    ...(r.entity_id ? { entityId: r.entity_id } : {}),
    data: r.data,
  }));
  const last = messages.at(-1);
  return { messages, nextCursor: last ? last.cursor : encodeCursor(after), hasMore };
}

/**
 * Whether every outbound message written so far is past the horizon, i.e. visible to feed
 * readers. On PostgreSQL the horizon is cluster-wide: a transaction running in any database
 * holds it back, so tests poll this before reading what they just wrote.
 */
export async function feedCaughtUp(db: Database): Promise<boolean> {
  const [row] = await db.rows<{ ok: boolean }>(sql`
    select coalesce(max(tx_id) < pg_snapshot_xmin(pg_current_snapshot()), true) as ok from outbound_message`);
  return row?.ok === true;
}
