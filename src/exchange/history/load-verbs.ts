// Loading a platform's past records from a file (`npm run cli -- history load`): an operator
// acts for the platform. The file is read by the CLI, in the operator's process; these verbs
// receive it chunk by chunk and pass every chunk through the SAME ingestion verbs as the API
// (same schema validation, same per-record results, one batch row per chunk marked
// source = operator), with two differences that make a bulk load safe:
// - no per-entity rescore per chunk: a load ends in ONE full reclassification run instead;
// - the load's checkpoint (history_load.next_offset) moves in the chunk's own transaction, so a
//   crash leaves either the whole chunk and its checkpoint or neither.
import { sql } from "drizzle-orm";
import { appendAudit } from "../../audit/index.js";
import { actorLabel, type Actor } from "../../auth/actor.js";
import { authorize, operatorOnly } from "../../auth/authorize.js";
import { AppError } from "../../http/errors.js";
import type { Tx } from "../../db/client.js";
import type { BatchCounts, BatchOutcome } from "../batch-store.js";
import type { ExchangeDeps, RecordValidators } from "../context.js";
import { ingestEvents } from "../ingest-events.js";
import { ingestMerchants } from "../ingest-merchants.js";
import type { RecordError } from "../records.js";
import { advanceLoad, findLoad, findLoadOfFile, insertLoad, loadToApi, setLoadRun, setLoadStatus, type HistoryLoad, type LoadFile } from "./load-store.js";

/** The API's batch limit holds for a chunk too. */
export const MAX_CHUNK_RECORDS = 10_000;

export interface HistoryContext {
  deps: ExchangeDeps;
  validators: RecordValidators;
  actor: Actor;
}

const notFound = () => new AppError("NOT_FOUND", "no such history load");

/**
 * Starts loading a file, or finds the load of the same file to continue it (unfinished) or to
 * report it (done). `restart` abandons an unfinished load and starts over from the first byte:
 * records already stored then come back as duplicates (useful after loading missing shops).
 */
export async function beginHistoryLoad(ctx: HistoryContext, input: LoadFile & { restart?: boolean }): Promise<HistoryLoad> {
  authorize(ctx.actor, operatorOnly());
  const { db, clock } = ctx.deps;
  const actor = actorLabel(ctx.actor);
  const file: LoadFile = {
    platformId: input.platformId,
    records: input.records,
    format: input.format,
    fileName: input.fileName,
    fileSize: input.fileSize,
    fingerprint: input.fingerprint,
  };
  const [platform] = await db.rows(sql`select 1 as ok from platform where id = ${input.platformId}::uuid`);
  if (!platform) throw new AppError("NOT_FOUND", `no platform ${input.platformId}`);
  return db.transaction(async (tx) => {
    const now = clock.now();
    const previous = await findLoadOfFile(tx, file);
    if (previous && previous.status !== "abandoned" && !input.restart) return loadToApi(previous);
    if (previous?.status === "loading") {
      await setLoadStatus(tx, previous.id, "abandoned", now);
      await appendAudit(tx, clock, { actor, action: "history.load.abandon", subjectType: "history_load", subjectId: previous.id, data: { reason: "restarted", nextLine: previous.nextLine } });
    }
    const row = await insertLoad(tx, file, actor, now);
    // Another loader started this file at the same moment: continue its load.
    if (!row) return loadToApi((await findLoadOfFile(tx, file))!);
    await appendAudit(tx, clock, {
      actor,
      action: "history.load.start",
      subjectType: "history_load",
      subjectId: row.id,
      data: { platformId: file.platformId, records: file.records, format: file.format, fileName: file.fileName, fileSize: file.fileSize, fingerprint: file.fingerprint },
    });
    return loadToApi(row);
  });
}

export interface ChunkInput {
  loadId: string;
  /** Byte range [fromOffset, toOffset) of the file the records came from. */
  fromOffset: number;
  toOffset: number;
  /** Line number of the first line at toOffset. */
  nextLine: number;
  /** SHA-256 (hex) of those bytes: the batch's evidence of what was loaded. */
  bodySha256: string;
  /** The readable records of the range, in file order. */
  records: unknown[];
  /** Rows of the range the CLI could not read (bad JSON or CSV): counted as rejected. */
  unreadable: number;
}

export interface ChunkOutcome {
  load: HistoryLoad;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** The rejected records: index into `records`, and why. */
  errors: Array<{ index: number } & RecordError>;
}

export async function loadHistoryChunk(ctx: HistoryContext, input: ChunkInput): Promise<ChunkOutcome> {
  authorize(ctx.actor, operatorOnly());
  const { db, clock } = ctx.deps;
  if (input.records.length > MAX_CHUNK_RECORDS) throw new AppError("PAYLOAD_TOO_LARGE", `at most ${MAX_CHUNK_RECORDS} records per chunk`);
  if (!(input.toOffset > input.fromOffset && input.fromOffset >= 0)) throw new AppError("VALIDATION_FAILED", "the chunk's byte range is empty or negative");
  if (!/^[0-9a-f]{64}$/.test(input.bodySha256)) throw new AppError("VALIDATION_FAILED", "bodySha256 must be 64 lower-case hex digits");
  const load = await findLoad(db.orm, input.loadId);
  if (!load) throw notFound();
  if (load.status !== "loading") throw new AppError("CONFLICT", `history load ${load.id} is ${load.status}`);
  if (input.toOffset > load.fileSize) throw new AppError("VALIDATION_FAILED", "the chunk ends beyond the end of the file");
  const moved = () =>
    new AppError("CONFLICT", `history load ${load.id} is not at byte ${input.fromOffset} (another loader is running it, or it moved on); rerun the command to continue from its checkpoint`);
  if (load.nextOffset !== input.fromOffset) throw moved();

  const advance = async (tx: Tx, counts: Pick<BatchCounts, "accepted" | "duplicates" | "rejected">, batch: boolean) => {
    const row = await advanceLoad(tx, {
      loadId: load.id,
      fromOffset: input.fromOffset,
      toOffset: input.toOffset,
      nextLine: input.nextLine,
      rowsRead: input.records.length + input.unreadable,
      counts: { accepted: counts.accepted, duplicates: counts.duplicates, rejected: counts.rejected + input.unreadable },
      batch,
      now: clock.now(),
    });
    if (!row) throw moved();
    return row;
  };

  if (input.records.length === 0) {
    const row = await db.transaction((tx) => advance(tx, { accepted: 0, duplicates: 0, rejected: 0 }, false));
    return { load: loadToApi(row), accepted: 0, duplicates: 0, rejected: 0, errors: [] };
  }

  let advanced: Awaited<ReturnType<typeof advance>> | undefined;
  const verb = load.records === "events" ? ingestEvents : ingestMerchants;
  const outcome: BatchOutcome = await verb(
    { deps: ctx.deps, validators: ctx.validators, actor: ctx.actor },
    {
      platformId: load.platformId,
      records: input.records,
      batchEvidence: { source: "operator", bodySha256: input.bodySha256, historyLoadId: load.id },
      skipRescore: true,
      alsoInTransaction: async (tx, counts) => {
        advanced = await advance(tx, counts, true);
      },
    },
  );
  const errors = outcome.results.flatMap((r) => (r.status === "rejected" && r.error ? [{ index: r.index, ...r.error }] : []));
  return { load: loadToApi(advanced!), accepted: outcome.accepted, duplicates: outcome.duplicates, rejected: outcome.rejected, errors };
}

/** Marks a load whose every byte was committed as done (audited); a done load is returned as it is. */
export async function finishHistoryLoad(ctx: HistoryContext, input: { loadId: string }): Promise<HistoryLoad> {
  authorize(ctx.actor, operatorOnly());
  const { db, clock } = ctx.deps;
  return db.transaction(async (tx) => {
    const load = await findLoad(tx, input.loadId);
    if (!load) throw notFound();
    if (load.status === "done") return loadToApi(load);
    if (load.status !== "loading") throw new AppError("CONFLICT", `history load ${load.id} is ${load.status}`);
    if (load.nextOffset !== load.fileSize) throw new AppError("CONFLICT", `history load ${load.id} stopped at byte ${load.nextOffset} of ${load.fileSize}`);
    const row = await setLoadStatus(tx, load.id, "done", clock.now());
    await appendAudit(tx, clock, {
      actor: actorLabel(ctx.actor),
      action: "history.load.finish",
      subjectType: "history_load",
      subjectId: load.id,
      data: { platformId: row.platformId, records: row.records, rowsRead: row.rowsRead, accepted: row.accepted, duplicates: row.duplicates, rejected: row.rejected, batches: row.batches },
    });
    return loadToApi(row);
  });
}

/** Remembers the full run that followed the load, so a rerun does not start another. */
export async function recordHistoryRun(ctx: HistoryContext, input: { loadId: string; runId: string }): Promise<HistoryLoad> {
  authorize(ctx.actor, operatorOnly());
  const row = await setLoadRun(ctx.deps.db.orm, input.loadId, input.runId);
  if (!row) throw notFound();
  return loadToApi(row);
}
