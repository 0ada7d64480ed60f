// From file lines to records: NDJSON (one JSON record per line) or CSV (RFC 4180, header
// first, a quoted field may span lines). A row that cannot be read (not JSON, broken CSV, bad
// UTF-8, far too long) is reported with the API's code for it, MALFORMED_LINE, and skipped;
// everything else goes to the ingestion verbs, which validate it exactly as the API does.
import { CsvError, forEachCsvRecord } from "../../scoring/csv.js";
import { csvRecordBuilder, type RecordSchema } from "./csv-columns.js";
import { MAX_LINE_BYTES, type FileLine } from "./line-reader.js";

export interface ReadableRow {
  line: number;
  /** The record's own key (eventId or shopId) when it has one, for the error report. */
  id: string | undefined;
  record: unknown;
}

export interface UnreadableRow {
  line: number;
  /** Known when the row could be split into fields (CSV) but not made a record. */
  id: string | undefined;
  error: { code: "MALFORMED_LINE"; message: string };
}

export type Row = ReadableRow | UnreadableRow;

export interface RowParser {
  /** The row a line completes: none for a blank line or a CSV record that goes on. */
  take(line: FileLine): Row | undefined;
  /** At the end of the file: a CSV record left open by a quote. */
  end(): Row | undefined;
  /** No record is half read: a chunk may end here. */
  atBoundary(): boolean;
}

const unreadable = (line: number, message: string, id?: string): UnreadableRow => ({ line, id, error: { code: "MALFORMED_LINE", message } });

const idOf = (record: unknown, key: string): string | undefined => {
  const v = (record as Record<string, unknown> | null)?.[key];
  return typeof v === "string" ? v : undefined;
};

export function ndjsonRows(idKey: string): RowParser {
  return {
    take(line) {
      if (line.text === undefined) return unreadable(line.number, line.problem ?? "unreadable line");
      if (line.text.trim() === "") return undefined;
      try {
        const record: unknown = JSON.parse(line.text);
        return { line: line.number, id: idOf(record, idKey), record };
      } catch (err) {
        return unreadable(line.number, `line ${line.number} is not JSON: ${(err as Error).message}`);
      }
    },
    end: () => undefined,
    atBoundary: () => true,
  };
}

const quotes = (s: string) => {
  let n = 0;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) n++;
  return n;
};

/** The header's fields: the first record of the file (see readCsvHeader in load.ts). */
export function parseCsvHeader(text: string): string[] {
  let header: string[] = [];
  forEachCsvRecord(text, (fields) => (header = fields));
  return header;
}

/**
 * CSV rows after the header. `skipHeader`: the reading starts at the top of the file, so its
 * first record is the header itself (a resumed load starts past it).
 */
export function csvRows(schema: RecordSchema, header: readonly string[], idKey: string, skipHeader: boolean): RowParser {
  const build = csvRecordBuilder(schema, header);
  const idColumn = header.findIndex((h) => h.trim() === idKey);
  let headerToSkip = skipHeader;
  let text = "";
  let startLine = 0;
  let open = false; // an odd number of quotes so far: a quoted field goes on on the next line
  const complete = (): Row | undefined => {
    const line = startLine;
    const record = text;
    text = "";
    open = false;
    if (headerToSkip) {
      headerToSkip = false;
      return undefined;
    }
    let fields: string[] | undefined;
    try {
      forEachCsvRecord(record, (f) => (fields = f));
    } catch (err) {
      if (err instanceof CsvError) return unreadable(line, `CSV: ${err.message.replace(/^line \d+: /, "")}`);
      throw err;
    }
    const id = idColumn >= 0 && fields?.[idColumn] ? fields[idColumn] : undefined;
    const built = build(fields ?? []);
    if ("error" in built) return unreadable(line, built.error, id);
    return { line, id, record: built.record };
  };
  return {
    take(line) {
      if (line.text === undefined) {
        const at = open ? startLine : line.number;
        text = "";
        open = false;
        return unreadable(at, line.problem ?? "unreadable line");
      }
      if (!open) {
        if (line.text.trim() === "") return undefined;
        text = line.text;
        startLine = line.number;
      } else {
        text += "\n" + line.text;
      }
      if (quotes(line.text) % 2 === 1) open = !open;
      if (!open) return complete();
      if (text.length > MAX_LINE_BYTES) {
        text = "";
        open = false;
        return unreadable(startLine, `a quoted field is not closed within ${MAX_LINE_BYTES} bytes`);
      }
      return undefined;
    },
    end() {
      if (!open) return undefined;
      open = false;
      text = "";
      return unreadable(startLine, "CSV: unterminated quoted field at the end of the file");
    },
    atBoundary: () => !open,
  };
}
