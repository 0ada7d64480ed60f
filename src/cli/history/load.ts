// `history load FILE`: reads the file in this process, in constant memory, and sends it in
// chunks of a few thousand rows to wherever commands run (this process's database, or the
// gateway's admin socket), each chunk committed with the load's checkpoint. Reading the next
// chunk overlaps the commit of the one before. Ctrl-C stops after the chunk in flight; a rerun
// of the same command (or one after a crash) seeks to the checkpoint and goes on from there.
// At the end: the load is marked done and ONE full reclassification run follows (--no-run: none).
import { performance } from "node:perf_hooks";
import type { ReclassificationRun } from "../../classification/runs-store.js";
import type { ChunkOutcome, HistoryLoad, LoadFormat, LoadRecords } from "../../exchange/index.js";
import { loadSpec } from "../../http/spec.js";
import { UsageError } from "../args.js";
import { createProgress, stderrSink, type ProgressSink } from "../progress.js";
import { RunInterrupted } from "../reclassify.js";
import type { CommandSession } from "../run.js";
import { recordSchemaOf } from "./csv-columns.js";
import { fingerprintOf, LineReader, type Position } from "./line-reader.js";
import type { FinishResult } from "./operations.js";
import { ErrorReport, fieldOf, type ReportRow } from "./report.js";
import { csvRows, ndjsonRows, parseCsvHeader, type ReadableRow, type Row, type RowParser } from "./rows.js";

export interface LoadOptions {
  file: string;
  platformId: string;
  records: LoadRecords;
  format: LoadFormat;
  /** Where rows that were not loaded are listed (CSV). */
  report: string;
  /** A chunk ends after this many rows, or this many bytes of the file, whichever comes first. */
  chunkRows: number;
  chunkBytes: number;
  /** Start the file over as a new load (an unfinished one is abandoned). */
  restart: boolean;
  /** Start the full reclassification run at the end. */
  run: boolean;
}

export interface LoadSummary {
  loadId: string;
  platformId: string;
  records: LoadRecords;
  format: LoadFormat;
  file: string;
  /** loaded: read to the end now; already-loaded: an earlier run did; interrupted: Ctrl-C, rerun to continue. */
  status: "loaded" | "already-loaded" | "interrupted";
  /** Where this run started reading when it continued an earlier one. */
  resumedFrom: { line: number; offset: number } | null;
  /** This run's rows and what became of them. */
  rows: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  elapsedSeconds: number;
  rowsPerSecond: number;
  report: string;
  /** Lines this run added to the report. */
  reported: number;
  /** The load over all its runs (the counts are exact even across crashes). */
  load: HistoryLoad;
  run: ReclassificationRun | null;
}

const ID_KEY: Record<LoadRecords, string> = { events: "eventId", merchants: "shopId" };
const SCHEMA: Record<LoadRecords, string> = { events: "EventRecord", merchants: "MerchantRecord" };

/** The CSV header: the file's first record (checked against the spec before anything loads). */
async function readCsvHeader(file: string): Promise<string[]> {
  const reader = new LineReader(file, { offset: 0, line: 1 });
  let text: string | undefined;
  for await (const line of reader.lines()) {
    if (line.text === undefined) throw new UsageError(`${file}: line ${line.number}: ${line.problem}`);
    if (text === undefined && line.text.trim() === "") continue;
    text = text === undefined ? line.text : `${text}\n${line.text}`;
    if ((text.match(/"/g)?.length ?? 0) % 2 === 0) break;
  }
  if (text === undefined) throw new UsageError(`${file}: the file is empty; a CSV file starts with a header line`);
  try {
    return parseCsvHeader(text);
  } catch (err) {
    throw new UsageError(`${file}: the header line is not CSV: ${(err as Error).message}`);
  }
}

async function rowParser(o: LoadOptions, from: Position): Promise<RowParser> {
  if (o.format === "ndjson") return ndjsonRows(ID_KEY[o.records]);
  const header = await readCsvHeader(o.file);
  return csvRows(recordSchemaOf(loadSpec().document, SCHEMA[o.records]), header, ID_KEY[o.records], from.offset === 0);
}

export async function loadHistory(session: CommandSession, o: LoadOptions, sink: ProgressSink = stderrSink): Promise<LoadSummary> {
  let file;
  try {
    file = await fingerprintOf(o.file);
  } catch (err) {
    throw new UsageError(`cannot read ${o.file} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
  // A CSV header is checked before the load starts: a wrong one changes nothing.
  if (o.format === "csv") await rowParser(o, { offset: 0, line: 1 });
  let load = (await session.call({
    command: "history.begin",
    input: { platformId: o.platformId, records: o.records, format: o.format, fileName: o.file, fileSize: file.size, fingerprint: file.fingerprint, restart: o.restart },
  })) as HistoryLoad;

  const began = performance.now();
  const totals = { rows: 0, accepted: 0, duplicates: 0, rejected: 0 };
  const report = new ErrorReport(o.report, load.nextOffset > 0 || load.status === "done");
  const from: Position = { offset: load.nextOffset, line: load.nextLine };
  let status: LoadSummary["status"] = load.status === "done" ? "already-loaded" : "loaded";
  try {
    if (load.status === "loading") {
      if (from.offset > 0) sink.write(`continuing history load ${load.loadId} at line ${from.line} (byte ${from.offset} of ${file.size})\n`);
      const progress = createProgress("history", sink, 5_000, "bytes");
      const send = async (rows: Row[], to: Position, chunkFrom: number, bodySha256: string) => {
        const readable = rows.filter((r): r is ReadableRow => "record" in r);
        const outcome = (await session.call({
          command: "history.chunk",
          input: { loadId: load.loadId, fromOffset: chunkFrom, toOffset: to.offset, nextLine: to.line, bodySha256, records: readable.map((r) => r.record), unreadable: rows.length - readable.length },
        })) as ChunkOutcome;
        const errors: ReportRow[] = rows.flatMap((r) => ("error" in r ? [{ line: r.line, id: r.id, code: r.error.code, message: r.error.message, field: "" }] : []));
        for (const e of outcome.errors) {
          const row = readable[e.index]!;
          errors.push({ line: row.line, id: row.id, code: e.code, message: e.message, field: fieldOf(e.pointer) });
        }
        report.write(errors.sort((a, b) => a.line - b.line));
        totals.rows += rows.length;
        totals.accepted += outcome.accepted;
        totals.duplicates += outcome.duplicates;
        totals.rejected += outcome.rejected + rows.length - readable.length;
        load = outcome.load;
        progress.update(load.nextOffset, file.size, totals.rows);
      };
      const stopped = await readAndSend(o, from, send, sink);
      if (stopped) status = "interrupted";
      progress.finish(`${totals.rows.toLocaleString("en-US")} rows (${totals.accepted} accepted, ${totals.duplicates} duplicates, ${totals.rejected} rejected)`);
    }
  } finally {
    report.close();
  }

  let run: ReclassificationRun | null = null;
  if (status !== "interrupted") {
    const finished = (await session.call({ command: "history.finish", input: { loadId: load.loadId, run: o.run } })) as FinishResult;
    load = finished.load;
    if (finished.run) {
      try {
        run = ((await session.followRun(finished)) as FinishResult).run;
      } catch (err) {
        if (!(err instanceof RunInterrupted)) throw err;
        sink.write(`${err.message}\n`);
        run = err.run;
      }
    }
  } else {
    sink.write(`stopped at line ${load.nextLine} (byte ${load.nextOffset} of ${file.size}): run the same command again to continue\n`);
  }
  const elapsedSeconds = (performance.now() - began) / 1000;
  return {
    loadId: load.loadId,
    platformId: load.platformId,
    records: o.records,
    format: o.format,
    file: o.file,
    status,
    resumedFrom: from.offset > 0 && status !== "already-loaded" ? { line: from.line, offset: from.offset } : null,
    ...totals,
    elapsedSeconds: Math.round(elapsedSeconds * 1000) / 1000,
    rowsPerSecond: elapsedSeconds > 0 ? Math.round(totals.rows / elapsedSeconds) : 0,
    report: o.report,
    reported: report.rows,
    load,
    run,
  };
}

/**
 * Reads from `from` to the end of the file, cutting chunks at record boundaries and sending
 * each once the one before has committed. Returns true when Ctrl-C stopped it.
 */
async function readAndSend(
  o: LoadOptions,
  from: Position,
  send: (rows: Row[], to: Position, chunkFrom: number, bodySha256: string) => Promise<void>,
  sink: ProgressSink,
): Promise<boolean> {
  let stop = false;
  const onSigint = () => {
    stop = true;
    sink.write("\nstopping after the chunk in flight (Ctrl-C again aborts it; nothing is half stored)...\n");
  };
  process.once("SIGINT", onSigint);
  const reader = new LineReader(o.file, from);
  const parser = await rowParser(o, from);
  let inFlight: Promise<void> | undefined;
  let rows: Row[] = [];
  let chunkFrom = from.offset;
  let at = from;
  /** Hands the rows read so far to send() once the previous chunk is committed; false when stopping. */
  const cut = async (): Promise<boolean> => {
    const digest = reader.takeDigest();
    await inFlight;
    if (stop) return false;
    inFlight = send(rows, at, chunkFrom, digest);
    // Handled now so a failure cannot go unhandled while the next chunk is read; awaited below.
    inFlight.catch(() => {});
    rows = [];
    chunkFrom = at.offset;
    return true;
  };
  try {
    for await (const line of reader.lines()) {
      const row = parser.take(line);
      if (row) rows.push(row);
      at = { offset: line.end, line: line.number + 1 };
      if (parser.atBoundary() && (rows.length >= o.chunkRows || at.offset - chunkFrom >= o.chunkBytes)) {
        if (!(await cut())) return true;
      }
    }
    const last = parser.end();
    if (last) rows.push(last);
    if (at.offset > chunkFrom && !(await cut())) return true;
    await inFlight;
    return stop;
  } finally {
    process.off("SIGINT", onSigint);
    // Leaving early (Ctrl-C, a refused chunk): the chunk in flight still ends before we return.
    await inFlight?.catch(() => {});
  }
}
