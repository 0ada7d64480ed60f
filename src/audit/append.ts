// Appending to the audit chain, inside the caller's transaction: the audit row commits or rolls
// back with the change it records (DESIGN §3: authorisation, transaction and audit happen
// inside the verb).
//
// Why a transaction-scoped advisory lock: each row embeds the hash of the row before it, so
// two transactions must never read the same "last row" and both append after it (a fork).
// The lock is held until the caller's transaction ends, which also means rows commit in seq
// order and a rolled-back append leaves no gap (the next append reads the real last row).
// The cost: audited transactions serialise from their append to their commit, so verbs should
// append as their LAST statement, and keep the transaction short after it.
//
// Isolation: use READ COMMITTED (the default). Under REPEATABLE READ / SERIALIZABLE a snapshot
// taken before the lock can miss a row committed meanwhile; the insert then fails on the seq
// primary key (a retryable error, never a fork).
import { desc, sql } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import type { Executor, Tx } from "../db/client.js";
import { auditLog } from "../db/schema/audit.js";
import type { Clock } from "../clock.js";
import { assertStorableText, toJsonValue } from "./canonical.js";
import { auditRowHash, GENESIS_HASH } from "./hash.js";

/** pg_advisory_xact_lock key serialising appends: the ASCII bytes of "AUDIT". */
export const AUDIT_CHAIN_LOCK = 0x4155444954;

export interface AuditEntry {
  /** Who acted: e.g. "platform:<id>", "regulator:<id>", "system:<job>". */
  actor: string;
  /** What happened, dotted: e.g. "sandbox.admit", "platform.key.revoke". */
  action: string;
  subjectType: string;
  subjectId?: string | null;
  /** Any JSON-able details; stored as jsonb exactly as hashed. */
  data: unknown;
}

export interface AuditRecord {
  seq: number;
  at: Date;
  hash: string;
  prevHash: string;
}

/**
 * Appends one row to the audit chain within `tx` (an open transaction: the row commits with
 * the caller's change). Given the bare database it opens a transaction of its own, because
 * the advisory lock is transaction-scoped.
 */
export async function appendAudit(tx: Executor, clock: Clock, entry: AuditEntry): Promise<AuditRecord> {
  // Validate before taking the lock: bad input should not hold up other writers.
  assertStorableText(entry.actor, "actor");
  assertStorableText(entry.action, "action");
  assertStorableText(entry.subjectType, "subjectType");
  if (entry.subjectId != null) assertStorableText(entry.subjectId, "subjectId");
  const data = toJsonValue(entry.data, "data");
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new TypeError("audit data must be a JSON object");
  }
  const row = {
    at: clock.now(),
    actor: entry.actor,
    action: entry.action,
    subjectType: entry.subjectType,
    subjectId: entry.subjectId ?? null,
    data,
  };
  const run = async (t: Tx): Promise<AuditRecord> => {
    await t.execute(sql`select pg_advisory_xact_lock(${sql.raw(String(AUDIT_CHAIN_LOCK))})`);
    const [last] = await t
      .select({ seq: auditLog.seq, hash: auditLog.hash })
      .from(auditLog)
      .orderBy(desc(auditLog.seq))
      .limit(1);
    const seq = (last?.seq ?? 0) + 1;
    const prevHash = last?.hash ?? GENESIS_HASH;
    const hash = auditRowHash({ ...row, seq, prevHash });
    await t.insert(auditLog).values({ ...row, seq, prevHash, hash });
    return { seq, at: row.at, hash, prevHash };
  };
  return tx instanceof PgTransaction ? run(tx as Tx) : tx.transaction(run);
}
