// The submission itself as evidence: who sent which exact bytes (body hash, detached JWS, kid),
// what the gateway made of them (counts), and the gateway's signed receipt saying so. Written
// in the batch's own transaction, together with the batch.processed message to the platform.
// An operator's bulk load for a platform (`history load`) is recorded the same way, marked
// source = operator: the hash of the file bytes and the load instead of a platform signature,
// and neither a receipt nor a batch.processed message (no platform sent it or waits for it).
import { eq, and } from "drizzle-orm";
import { appendAudit } from "../audit/index.js";
import { actorLabel, type Actor } from "../auth/actor.js";
import type { Executor, Tx } from "../db/client.js";
import { batch } from "../db/schema/batch.js";
import { AppError } from "../http/errors.js";
import type { ExchangeDeps } from "./context.js";

export interface SignedBatchEvidence {
  /** Lower-case hex SHA-256 of the exact request body bytes. */
  bodySha256: string;
  /** The platform's detached JWS over those bytes, as received. */
  signature: string;
  kid: string;
  idempotencyKey?: string | undefined;
}

export interface OperatorBatchEvidence {
  source: "operator";
  /** Lower-case hex SHA-256 of the file bytes the records were read from. */
  bodySha256: string;
  historyLoadId: string;
}

export type BatchEvidence = SignedBatchEvidence | OperatorBatchEvidence;

export const isOperatorEvidence = (e: BatchEvidence): e is OperatorBatchEvidence => "source" in e && e.source === "operator";

export type BatchKind = "merchants" | "events";

export interface BatchCounts {
  recordCount: number;
  accepted: number;
  duplicates: number;
  rejected: number;
}

export interface RecordBatchInput extends BatchCounts {
  batchId: string;
  platformId: string;
  /** Who submitted it: the platform, or an operator loading for it. */
  actor: Actor;
  kind: BatchKind;
  receivedAt: Date;
  evidence: BatchEvidence;
}

/** The receipt's payload: exactly the fields the contract names (DESIGN §5). */
export function receiptClaims(b: Pick<RecordBatchInput, "batchId" | "platformId" | "accepted" | "rejected" | "receivedAt"> & { bodySha256: string }) {
  return { batchId: b.batchId, platformId: b.platformId, bodySha256: b.bodySha256, accepted: b.accepted, rejected: b.rejected, receivedAt: b.receivedAt.toISOString() };
}

export const RECEIPT_TYP = "receipt+jwt";

/**
 * Signs the receipt, publishes batch.processed, stores the batch row and appends the audit row
 * (last, as the audit chain asks). Returns the receipt (none for an operator's load).
 */
export async function recordBatch(tx: Tx, deps: Pick<ExchangeDeps, "signer" | "publish" | "clock">, b: RecordBatchInput): Promise<string | undefined> {
  const evidence = b.evidence;
  const operator = isOperatorEvidence(evidence);
  // The evidence must match who is asking: signed bytes from a platform, a load from an operator.
  if (operator !== (b.actor.kind === "cli" || b.actor.kind === "system")) throw new AppError("INTERNAL", "batch evidence does not match its submitter");
  let receipt: string | undefined;
  if (!operator) {
    receipt = await deps.signer.signCompact(receiptClaims({ ...b, bodySha256: evidence.bodySha256 }), RECEIPT_TYP);
    await deps.publish(tx, [
      {
        platformId: b.platformId,
        type: "batch.processed",
        data: { batchId: b.batchId, kind: b.kind, accepted: b.accepted, duplicates: b.duplicates, rejected: b.rejected },
      },
    ]);
  }
  await tx.insert(batch).values({
    id: b.batchId,
    platformId: b.platformId,
    kind: b.kind,
    bodySha256: evidence.bodySha256,
    ...(operator
      ? { source: "operator" as const, historyLoadId: evidence.historyLoadId }
      : { source: "platform" as const, signature: evidence.signature, kid: evidence.kid, idempotencyKey: evidence.idempotencyKey ?? null }),
    recordCount: b.recordCount,
    accepted: b.accepted,
    duplicates: b.duplicates,
    rejected: b.rejected,
    receipt: receipt ?? null,
    receivedAt: b.receivedAt,
  });
  const counts = { recordCount: b.recordCount, accepted: b.accepted, duplicates: b.duplicates, rejected: b.rejected };
  await appendAudit(tx, deps.clock, {
    actor: actorLabel(b.actor),
    action: `exchange.batch.${b.kind}`,
    subjectType: "batch",
    subjectId: b.batchId,
    data: operator
      ? { source: "operator", platformId: b.platformId, bodySha256: evidence.bodySha256, historyLoadId: evidence.historyLoadId, ...counts }
      : { bodySha256: evidence.bodySha256, kid: evidence.kid, ...counts },
  });
  return receipt;
}

/**
 * One of the platform's own signed submissions (another platform's is simply not found; so is
 * an operator's load for it, which the platform neither sent nor holds a receipt for).
 */
export async function findOwnBatch(on: Executor, platformId: string, batchId: string) {
  const [row] = await on
    .select()
    .from(batch)
    .where(and(eq(batch.id, batchId), eq(batch.platformId, platformId), eq(batch.source, "platform")))
    .limit(1);
  return row;
}

/** What a batch verb returns: the BatchResult of the spec. */
export interface BatchOutcome {
  batchId: string;
  receivedAt: string;
  accepted: number;
  duplicates: number;
  rejected: number;
  results: import("./records.js").RecordResult[];
  /** The gateway's signed receipt; absent for an operator's load (no platform waits for it). */
  receipt?: string | undefined;
}

export function countResults(results: ReadonlyArray<{ status: string }>): Pick<BatchCounts, "accepted" | "duplicates" | "rejected"> {
  let accepted = 0;
  let duplicates = 0;
  let rejected = 0;
  for (const r of results) {
    if (r.status === "accepted") accepted++;
    else if (r.status === "duplicate") duplicates++;
    else rejected++;
  }
  return { accepted, duplicates, rejected };
}
