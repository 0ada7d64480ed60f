// Verifying the audit chain: stream it in seq order, a page at a time (keyset pagination on
// the seq primary key, so memory stays flat however long the chain is), and report the first
// row that breaks it.
//
// How a break is classified. Walking the chain we hold the last good row P; for the next row R
// (seq r) with stored hash h and recomputed hash c:
//
//   R.prev_hash = P.hash (the link holds):
//     - r = P.seq + 1 and c = h                -> fine
//     - otherwise                              -> MODIFIED at r (R's content or its seq was edited)
//   R.prev_hash != P.hash (the link is broken):
//     1. R.prev_hash is the hash of an EARLIER row Q (Q.seq < P.seq, genesis included) — a
//        duplicate link: Q's successor was originally R, so Q.seq+1 .. P.seq were slipped in
//                                              -> INSERTED at Q.seq + 1
//     2. r > P.seq + 1 (a gap in seq)          -> DELETED at P.seq + 1 (the first missing seq)
//     3. no gap, but R's hash verifies with a higher seq r + d: rows were deleted and the rest
//        renumbered down to hide the gap       -> DELETED at r
//     4. c != h: R's own content and its link are both wrong
//                                              -> MODIFIED at r
//     5. c = h: R is intact and remembers a different hash for P, so P was rewritten together
//        with its hash                         -> MODIFIED at P.seq
// Links are checked before content because an insertion usually renumbers the rows after it,
// which also breaks their content hashes (seq is hashed); the duplicate link names the real cause.
//
// Limits, by construction of any unkeyed hash chain: rows removed from the END leave nothing
// behind to notice, and an attacker who rewrites every row from some point to the end leaves a
// chain that verifies. Both are caught only against a head recorded outside the database:
// verify returns `head` so operators can anchor it (print it, send it to the regulator's
// archive; heads.ts signs it with the gateway key), and `expectedHead` checks the chain still
// contains that anchor.
import { and, asc, eq, gt, lt } from "drizzle-orm";
import type { Database, Executor } from "../db/client.js";
import { auditLog } from "../db/schema/audit.js";
import type { JsonValue } from "./canonical.js";
import { auditRowHash, GENESIS_HASH } from "./hash.js";

export interface ChainHead {
  seq: number;
  hash: string;
}

export type AuditProblem = "modified" | "deleted" | "inserted";

export type VerifyResult =
  | { ok: true; count: number; head: ChainHead }
  | { ok: false; firstBadSeq: number; problem: AuditProblem; detail: string; count: number };

export interface VerifyOptions {
  /** Start here, trusting the stored hash of row fromSeq - 1 (e.g. an earlier run's head). */
  fromSeq?: number;
  /** Rows per page (default 1000). */
  batchSize?: number;
  /** A head recorded earlier outside the database: the chain must still contain it. */
  expectedHead?: ChainHead;
}

/** How far a renumbered deletion is looked for (rule 3): only runs once, on failure. */
const MAX_RENUMBER_PROBE = 1024;

type StoredRow = typeof auditLog.$inferSelect;

const hashOf = (row: StoredRow, seq = row.seq): string => auditRowHash({ ...row, seq, data: row.data as JsonValue });

type Previous = ChainHead & { prevHash: string | null };

export async function verifyAuditChain(db: Database | Executor, options: VerifyOptions = {}): Promise<VerifyResult> {
  const ex: Executor = "orm" in db ? db.orm : db;
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError("batchSize must be a positive integer");
  const fromSeq = options.fromSeq ?? 1;
  if (!Number.isInteger(fromSeq) || fromSeq < 1) throw new RangeError("fromSeq must be a positive integer");

  let count = 0;
  const fail = (firstBadSeq: number, problem: AuditProblem, detail: string): VerifyResult => ({
    ok: false,
    firstBadSeq,
    problem,
    detail,
    count,
  });

  let prev: Previous = { seq: 0, hash: GENESIS_HASH, prevHash: null };
  if (fromSeq > 1) {
    const [anchor] = await ex
      .select({ seq: auditLog.seq, hash: auditLog.hash, prevHash: auditLog.prevHash })
      .from(auditLog)
      .where(eq(auditLog.seq, fromSeq - 1));
    if (!anchor) return fail(fromSeq - 1, "deleted", `row ${fromSeq - 1}, the anchor before fromSeq, is missing`);
    prev = anchor;
  }

  // From genesis the first page has no lower bound, so rows numbered 0 or below are seen too.
  let after: number | undefined = fromSeq > 1 ? prev.seq : undefined;
  for (;;) {
    const page = await ex
      .select()
      .from(auditLog)
      .where(after === undefined ? undefined : gt(auditLog.seq, after))
      .orderBy(asc(auditLog.seq))
      .limit(batchSize);
    for (const row of page) {
      const computed = hashOf(row);
      if (row.seq <= 0) return fail(row.seq, "inserted", `row ${row.seq} lies outside the chain's numbering (from 1)`);
      if (row.prevHash === prev.hash) {
        if (row.seq !== prev.seq + 1) {
          return fail(row.seq, "modified", `row ${row.seq} links to row ${prev.seq} but is numbered ${row.seq}: its seq was changed`);
        }
        if (computed !== row.hash) return fail(row.seq, "modified", `row ${row.seq}'s content does not match its hash`);
      } else {
        const broken = await classifyBrokenLink(ex, prev, row, computed);
        return fail(broken.seq, broken.problem, broken.detail);
      }
      prev = { seq: row.seq, hash: row.hash, prevHash: row.prevHash };
      count++;
    }
    if (page.length < batchSize) break;
    after = prev.seq;
  }

  const head: ChainHead = { seq: prev.seq, hash: prev.hash };
  if (options.expectedHead) {
    const anchorProblem = await checkAnchoredHead(ex, head, options.expectedHead);
    if (anchorProblem) return fail(anchorProblem.seq, anchorProblem.problem, anchorProblem.detail);
  }
  return { ok: true, count, head };
}

interface Break {
  seq: number;
  problem: AuditProblem;
  detail: string;
}

async function classifyBrokenLink(ex: Executor, prev: Previous, row: StoredRow, computed: string): Promise<Break> {
  // 1. Duplicate link: R points past P to an earlier row Q.
  const earlier = await findEarlierRow(ex, row.prevHash, prev);
  if (earlier !== undefined) {
    return {
      seq: earlier + 1,
      problem: "inserted",
      detail:
        `row ${row.seq} links to row ${earlier}, so rows ${earlier + 1}..${prev.seq} ` +
        `were inserted between them`,
    };
  }
  // 2. A gap in seq where the missing rows were.
  if (row.seq > prev.seq + 1) {
    const last = row.seq - 1;
    return {
      seq: prev.seq + 1,
      problem: "deleted",
      detail: `row${last > prev.seq + 1 ? `s ${prev.seq + 1}..${last} are` : ` ${last} is`} missing (row ${row.seq} links to a row that no longer exists)`,
    };
  }
  // 3. No gap, but R was numbered higher when it was hashed: deletion hidden by renumbering.
  if (computed !== row.hash) {
    for (let d = 1; d <= MAX_RENUMBER_PROBE; d++) {
      if (hashOf(row, row.seq + d) === row.hash) {
        return {
          seq: row.seq,
          problem: "deleted",
          detail: `row ${row.seq} was hashed as row ${row.seq + d}: ${d} row(s) before it were deleted and the rest renumbered`,
        };
      }
    }
    // 4. R's content and link are both wrong.
    return { seq: row.seq, problem: "modified", detail: `row ${row.seq}'s content and prev_hash do not match` };
  }
  // 5. R is intact and remembers another hash for P: P was rewritten with a recomputed hash.
  return {
    seq: prev.seq,
    problem: "modified",
    detail: `row ${row.seq} records a different hash for row ${prev.seq}: row ${prev.seq} was rewritten and re-hashed`,
  };
}

/** The seq of a row before P whose hash is `hash` (0 for genesis), if any. Failure path only. */
async function findEarlierRow(ex: Executor, hash: string, prev: Previous): Promise<number | undefined> {
  if (prev.seq === 0) return undefined;
  if (hash === GENESIS_HASH) return 0;
  if (prev.prevHash === hash) return prev.seq - 1;
  // No index on hash: a sequential scan, run at most once per verification.
  const [hit] = await ex
    .select({ seq: auditLog.seq })
    .from(auditLog)
    .where(and(eq(auditLog.hash, hash), lt(auditLog.seq, prev.seq)))
    .orderBy(asc(auditLog.seq))
    .limit(1);
  return hit?.seq;
}

async function checkAnchoredHead(ex: Executor, head: ChainHead, expected: ChainHead): Promise<Break | undefined> {
  if (head.seq < expected.seq) {
    return {
      seq: head.seq + 1,
      problem: "deleted",
      detail: `the chain ends at row ${head.seq} but the anchored head is row ${expected.seq}: the tail was truncated`,
    };
  }
  const [row] = await ex.select({ hash: auditLog.hash }).from(auditLog).where(eq(auditLog.seq, expected.seq));
  if (!row) return { seq: expected.seq, problem: "deleted", detail: `the anchored head row ${expected.seq} is missing` };
  if (row.hash !== expected.hash) {
    return {
      seq: expected.seq,
      problem: "modified",
      detail:
        `row ${expected.seq} no longer has the anchored hash: the chain was rewritten at or before it ` +
        `and re-hashed to the end (compare older anchors to narrow it down)`,
    };
  }
  return undefined;
}
