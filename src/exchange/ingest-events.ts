// ingestEvents: a signed batch of behaviour events from one platform. Each record is checked
// on its own (schema, time range, known shop); the good ones are appended once per
// (platform, eventId) in ONE transaction with the batch's evidence, its receipt, the
// batch.processed message and one coalesced rescore job per entity.
//
// Duplicates inside one batch: the first valid occurrence of an eventId is the one stored;
// later ones are reported `duplicate` with code DUPLICATE_IN_BATCH (a resend across batches
// is `duplicate` without an error). A rejected record claims nothing, so a later valid record
// with the same eventId is still stored.
import { uuidv7 } from "uuidv7";
import type { Tx } from "../db/client.js";
import { countResults, recordBatch, type BatchCounts, type BatchEvidence, type BatchOutcome } from "./batch-store.js";
import { authorize, ownPlatform } from "../auth/authorize.js";
import { inBackfill } from "./backfill-gate.js";
import { requestRescores, type ExchangeContext } from "./context.js";
import { appendEvents, findShops, type EventRow } from "./event-store.js";
import { fastUuidv7 } from "./ids.js";
import { ensureEventPartitions, monthOf } from "./partitions.js";
import { checkEventRecord, claimsSeriousViolation, rejected, seriousNotAccepted, type RecordResult } from "./records.js";
import { isRegulatorSource } from "./regulator-source.js";

export interface IngestInput {
  platformId: string;
  records: readonly unknown[];
  batchEvidence: BatchEvidence;
  /** False when the raw body cannot contain U+0000 (no "\\u0000" in it): skips that per-record scan. */
  screenNul?: boolean;
  /**
   * A bulk load that ends in one full reclassification run asks for no per-entity rescore:
   * thousands of chunks must not queue the same entities again and again.
   */
  skipRescore?: boolean;
  /** The caller's own bookkeeping, committed with the batch (a bulk load's checkpoint). */
  alsoInTransaction?: (tx: Tx, counts: BatchCounts) => Promise<void>;
}

interface Candidate {
  index: number;
  eventId: string;
  shopId: string;
  kind: string;
  occurredAtMs: number;
  occurredAt: string;
  data: unknown;
}

export async function ingestEvents(ctx: ExchangeContext, input: IngestInput): Promise<BatchOutcome> {
  const platform = authorize(ctx.actor, ownPlatform("events:write", { platformId: input.platformId, operatorMay: true }));
  const { db, clock } = ctx.deps;
  const receivedAt = clock.now();
  const batchId = uuidv7();
  const results: RecordResult[] = new Array(input.records.length);

  // 1. Each record alone: schema, time range, and who may say a violation is serious (it forces
  //    class D, so a platform cannot decide it about a rival's entity, nor an operator's load for one).
  const valid: Candidate[] = [];
  const now = receivedAt.getTime();
  const regulatorSide = await isRegulatorSource(db.orm, platform.platformId);
  input.records.forEach((raw, index) => {
    const checked = checkEventRecord(ctx.validators.event, raw, index, now, input.screenNul ?? true);
    if (!checked.ok) {
      results[index] = rejected(index, checked.error);
      return;
    }
    const { record, occurredAtMs } = checked.record;
    if (!regulatorSide && claimsSeriousViolation(record)) {
      results[index] = rejected(index, seriousNotAccepted(index));
      return;
    }
    valid.push({ index, eventId: record.eventId, shopId: record.shopId, kind: record.kind, occurredAtMs, occurredAt: record.occurredAt, data: record.data });
  });

  // 2. Known shops only (one query; shops are never deleted, so reading before the
  //    transaction is safe). Then the first valid occurrence of an eventId wins.
  const shops = await findShops(db.orm, platform.platformId, [...new Set(valid.map((c) => c.shopId))]);
  const rows: EventRow[] = [];
  const firstIndex = new Map<string, number>();
  const entityOfKey = new Map<string, string>();
  const months = new Set<string>();
  for (const c of valid) {
    const shop = shops.get(c.shopId);
    if (!shop) {
      results[c.index] = rejected(c.index, { code: "UNKNOWN_SHOP", message: `no shop ${c.shopId} was submitted by this platform`, pointer: `/records/${c.index}/shopId` });
      continue;
    }
    const first = firstIndex.get(c.eventId);
    if (first !== undefined) {
      results[c.index] = {
        index: c.index,
        status: "duplicate",
        entityId: entityOfKey.get(c.eventId)!,
        error: { code: "DUPLICATE_IN_BATCH", message: `eventId already appears at index ${first} in this batch`, pointer: `/records/${c.index}/eventId` },
      };
      continue;
    }
    firstIndex.set(c.eventId, c.index);
    entityOfKey.set(c.eventId, shop.entityId);
    months.add(monthOf(c.occurredAtMs));
    // occurredAt as sent: an RFC 3339 date-time (checked by the schema) that PostgreSQL parses as is.
    rows.push({ k: c.eventId, i: fastUuidv7(), s: shop.id, e: shop.entityId, n: c.kind, t: c.occurredAt, d: c.data });
  }

  // 3. Partitions first (DDL outside the batch's transaction), then one transaction.
  await ensureEventPartitions(db, months);
  const outcome = await db.transaction(async (tx) => {
    const duplicates = await appendEvents(tx, { platformId: platform.platformId, batchId, receivedAt, rows });
    const rescore = new Set<string>();
    for (const row of rows) {
      const index = firstIndex.get(row.k)!;
      if (!duplicates.has(row.k)) {
        results[index] = { index, status: "accepted", entityId: row.e };
        rescore.add(row.e);
      } else {
        results[index] = { index, status: "duplicate", entityId: row.e };
      }
    }
    // Events change no link of the relationship graph: the drain need not refresh it.
    if (!input.skipRescore && !(await inBackfill(tx, platform.platformId))) await requestRescores(ctx.deps, tx, rescore, { links: false });
    const counts = countResults(results);
    await input.alsoInTransaction?.(tx, { recordCount: input.records.length, ...counts });
    const receipt = await recordBatch(tx, ctx.deps, {
      batchId,
      platformId: platform.platformId,
      actor: ctx.actor!,
      kind: "events",
      receivedAt,
      evidence: input.batchEvidence,
      recordCount: input.records.length,
      ...counts,
    });
    return { batchId, receivedAt: receivedAt.toISOString(), ...counts, results, receipt };
  });
  if (outcome.accepted > 0) ctx.deps.kick();
  return outcome;
}
