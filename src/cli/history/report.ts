// The per-row error report of a history load: CSV, one line per row not loaded, with the file
// line it started on, the record's key, the API's error code and message, and the field.
// A resumed load appends to the report of its earlier runs. Written after each chunk commits:
// a crash in the instant between a commit and this write loses that chunk's lines (the load's
// counts, kept with its checkpoint, stay exact).
import { closeSync, existsSync, openSync, writeSync } from "node:fs";
import { csvLine } from "../../scoring/csv.js";

export const REPORT_COLUMNS = ["line", "id", "code", "message", "field"] as const;

export interface ReportRow {
  line: number;
  id: string | undefined;
  code: string;
  message: string;
  /** JSON pointer into the record ("/data/reason"), or "" for the record as a whole. */
  field: string;
}

/** "/records/12/data/reason" (a pointer into a batch) -> "/data/reason" (into the record). */
export const fieldOf = (pointer: string | undefined): string => (pointer ?? "").replace(/^\/records\/\d+/, "");

export class ErrorReport {
  private readonly fd: number;
  rows = 0;

  /** append: continue the report of a resumed load (a fresh load starts a new one). */
  constructor(readonly path: string, append: boolean) {
    const fresh = !append || !existsSync(path);
    this.fd = openSync(path, fresh ? "w" : "a");
    if (fresh) writeSync(this.fd, csvLine([...REPORT_COLUMNS]));
  }

  write(rows: readonly ReportRow[]): void {
    if (rows.length === 0) return;
    writeSync(this.fd, rows.map((r) => csvLine([r.line, r.id, r.code, r.message, r.field])).join(""));
    this.rows += rows.length;
  }

  close(): void {
    closeSync(this.fd);
  }
}
