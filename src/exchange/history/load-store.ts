// The history_load rows: a bulk load of one file for one platform and its checkpoint.
import { and, desc, eq, sql } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import type { Executor } from "../../db/client.js";
import { historyLoad } from "../../db/schema/history-load.js";
import type { BatchCounts } from "../batch-store.js";

export type LoadRow = typeof historyLoad.$inferSelect;
export type LoadRecords = LoadRow["records"];
export type LoadFormat = LoadRow["format"];

/** What identifies a file across reruns (see the CLI's fingerprint). */
export interface LoadFile {
  platformId: string;
  records: LoadRecords;
  format: LoadFormat;
  fileName: string;
  fileSize: number;
  fingerprint: string;
}

/** The load as the CLI sees it. */
export interface HistoryLoad {
  loadId: string;
  platformId: string;
  records: LoadRecords;
  format: LoadFormat;
  fileName: string;
  fileSize: number;
  status: LoadRow["status"];
  nextOffset: number;
  nextLine: number;
  rowsRead: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  batches: number;
  runId: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export const loadToApi = (r: LoadRow): HistoryLoad => ({
  loadId: r.id,
  platformId: r.platformId,
  records: r.records,
  format: r.format,
  fileName: r.fileName,
  fileSize: r.fileSize,
  status: r.status,
  nextOffset: r.nextOffset,
  nextLine: r.nextLine,
  rowsRead: r.rowsRead,
  accepted: r.accepted,
  duplicates: r.duplicates,
  rejected: r.rejected,
  batches: r.batches,
  runId: r.runId,
  startedAt: r.startedAt.toISOString(),
  finishedAt: r.finishedAt?.toISOString() ?? null,
});

export async function findLoad(on: Executor, loadId: string): Promise<LoadRow | undefined> {
  const [row] = await on.select().from(historyLoad).where(eq(historyLoad.id, loadId)).limit(1);
  return row;
}

/** The latest load of this file (any status), or none. */
export async function findLoadOfFile(on: Executor, f: Pick<LoadFile, "platformId" | "records" | "fingerprint">): Promise<LoadRow | undefined> {
  const [row] = await on
    .select()
    .from(historyLoad)
    .where(and(eq(historyLoad.platformId, f.platformId), eq(historyLoad.records, f.records), eq(historyLoad.fingerprint, f.fingerprint)))
    .orderBy(desc(historyLoad.startedAt), desc(historyLoad.id))
    .limit(1);
  return row;
}

/** A new load; undefined when an unfinished one of the same file appeared meanwhile. */
export async function insertLoad(on: Executor, f: LoadFile, actor: string, now: Date): Promise<LoadRow | undefined> {
  const [row] = await on
    .insert(historyLoad)
    .values({ id: uuidv7(), ...f, status: "loading", actor, startedAt: now, updatedAt: now })
    .onConflictDoNothing()
    .returning();
  return row;
}

export async function setLoadStatus(on: Executor, loadId: string, status: "done" | "abandoned", now: Date): Promise<LoadRow> {
  const [row] = await on
    .update(historyLoad)
    .set({ status, updatedAt: now, finishedAt: now })
    .where(eq(historyLoad.id, loadId))
    .returning();
  return row!;
}

export interface Advance {
  loadId: string;
  /** The chunk's first byte: it must be where the load stands, or another loader got there first. */
  fromOffset: number;
  toOffset: number;
  nextLine: number;
  /** Records read, unreadable ones included. */
  rowsRead: number;
  /** What the batch made of the readable ones, plus the unreadable ones as rejected. */
  counts: Pick<BatchCounts, "accepted" | "duplicates" | "rejected">;
  /** One batch was stored for the chunk (none when it held no readable record). */
  batch: boolean;
  now: Date;
}

/** Moves the checkpoint past a chunk, in the chunk's transaction; false if the load was not at fromOffset. */
export async function advanceLoad(on: Executor, a: Advance): Promise<LoadRow | undefined> {
  const [row] = await on
    .update(historyLoad)
    .set({
      nextOffset: a.toOffset,
      nextLine: a.nextLine,
      rowsRead: sql`${historyLoad.rowsRead} + ${a.rowsRead}`,
      accepted: sql`${historyLoad.accepted} + ${a.counts.accepted}`,
      duplicates: sql`${historyLoad.duplicates} + ${a.counts.duplicates}`,
      rejected: sql`${historyLoad.rejected} + ${a.counts.rejected}`,
      batches: sql`${historyLoad.batches} + ${a.batch ? 1 : 0}`,
      updatedAt: a.now,
    })
    .where(and(eq(historyLoad.id, a.loadId), eq(historyLoad.status, "loading"), eq(historyLoad.nextOffset, a.fromOffset)))
    .returning();
  return row;
}

export async function setLoadRun(on: Executor, loadId: string, runId: string): Promise<LoadRow | undefined> {
  const [row] = await on.update(historyLoad).set({ runId }).where(eq(historyLoad.id, loadId)).returning();
  return row;
}
