// The submission itself as evidence: who sent which exact bytes (body hash, detached JWS, kid),
// what the gateway made of them (counts), and the gateway's signed receipt saying so. Written
// in the batch's own transaction, together with the batch.processed message to the platform.
import { eq, and } from "drizzle-orm";
import { appendAudit } from "../audit/index.js";
import type { Executor, Tx } from "../db/client.js";
import { batch } from "../db/schema/batch.js";
import type { ExchangeDeps } from "./context.js";

export interface BatchEvidence {
  /** Lower-case hex SHA-256 of the exact request body bytes. */
  bodySha256: string;
  /** The platform's detached JWS over those bytes, as received. */
  signature: string;
  kid: string;
  idempotencyKey?: string | undefined;
}

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
 * (last, as the audit chain asks). Returns the receipt.
 */
export async function recordBatch(tx: Tx, deps: Pick<ExchangeDeps, "signer" | "publish" | "clock">, b: RecordBatchInput): Promise<string> {
  const receipt = await deps.signer.signCompact(receiptClaims({ ...b, bodySha256: b.evidence.bodySha256 }), RECEIPT_TYP);
  await deps.publish(tx, [
    {
      platformId: b.platformId,
      type: "batch.processed",
      data: { batchId: b.batchId, kind: b.kind, accepted: b.accepted, duplicates: b.duplicates, rejected: b.rejected },
    },
  ]);
  await tx.insert(batch).values({
    id: b.batchId,
    platformId: b.platformId,
    kind: b.kind,
    bodySha256: b.evidence.bodySha256,
    signature: b.evidence.signature,
    kid: b.evidence.kid,
    idempotencyKey: b.evidence.idempotencyKey ?? null,
    recordCount: b.recordCount,
    accepted: b.accepted,
    duplicates: b.duplicates,
    rejected: b.rejected,
    receipt,
    receivedAt: b.receivedAt,
  });
  await appendAudit(tx, deps.clock, {
    actor: `platform:${b.platformId}`,
    action: `exchange.batch.${b.kind}`,
    subjectType: "batch",
    subjectId: b.batchId,
    data: { bodySha256: b.evidence.bodySha256, kid: b.evidence.kid, recordCount: b.recordCount, accepted: b.accepted, duplicates: b.duplicates, rejected: b.rejected },
  });
  return receipt;
}

/** One of the platform's own batches (another platform's is simply not found). */
export async function findOwnBatch(on: Executor, platformId: string, batchId: string) {
  const [row] = await on
    .select()
    .from(batch)
    .where(and(eq(batch.id, batchId), eq(batch.platformId, platformId)))
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
  receipt: string;
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
