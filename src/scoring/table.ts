// A columnar table of indicator values, built from CSV records or plain rows: numeric columns as
// Float64Array (NaN = missing), categorical columns as string arrays (null = missing).
// Column types are detected (all known values numeric -> numeric), and can be forced.
import { isMissingToken, toLevel, toNumber } from "./values.js";
import type { Column, ColumnarInput } from "./score.js";
import type { IndicatorRow, IndicatorValue } from "./types.js";

export interface DataTable {
  n: number;
  /** insertion order = header order */
  columns: Map<string, Column>;
}

export interface ColumnTypeOverrides {
  numeric?: readonly string[];
  categorical?: readonly string[];
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Numeric if every non-missing value parses as a finite number (and there is at least one). */
export function looksNumeric(values: readonly string[]): boolean {
  let seen = 0;
  for (const v of values) {
    if (isMissingToken(v)) continue;
    const x = toNumber(v);
    if (!Number.isFinite(x)) return false;
    seen++;
  }
  return seen > 0;
}

/** Every non-missing value is an ISO date or timestamp: a time column, not a feature. */
export function looksLikeDates(values: readonly string[]): boolean {
  let seen = 0;
  for (const v of values) {
    if (isMissingToken(v)) continue;
    if (!ISO_DATE.test(v.trim())) return false;
    seen++;
  }
  return seen > 0;
}

export function buildColumn(values: readonly string[], numeric: boolean): Column {
  if (numeric) {
    const out = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = toNumber(values[i] as string);
    return out;
  }
  return values.map((v) => toLevel(v));
}

/** Builds a table from a header and string records (e.g. parsed CSV). */
export function tableFromRecords(header: readonly string[], rows: readonly (readonly string[])[], types: ColumnTypeOverrides = {}): DataTable {
  const columns = new Map<string, Column>();
  header.forEach((name, j) => {
    const raw = rows.map((r) => r[j] ?? "");
    const numeric = types.numeric?.includes(name) ? true : types.categorical?.includes(name) ? false : looksNumeric(raw);
    columns.set(name, buildColumn(raw, numeric));
  });
  return { n: rows.length, columns };
}

/** Builds a table from plain objects; column types follow the first non-missing value of each key. */
export function tableFromRows(rows: readonly IndicatorRow[], keys?: readonly string[]): DataTable {
  const names = keys ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const columns = new Map<string, Column>();
  for (const name of names) {
    const first = rows.find((r) => toLevel(r[name]) !== null)?.[name];
    const numeric = typeof first === "number" || typeof first === "boolean";
    columns.set(
      name,
      numeric ? Float64Array.from(rows, (r) => toNumber(r[name])) : rows.map((r) => toLevel(r[name])),
    );
  }
  return { n: rows.length, columns };
}

export function selectRows(table: DataTable, idx: ArrayLike<number>): DataTable {
  const columns = new Map<string, Column>();
  for (const [name, col] of table.columns) {
    if (col instanceof Float64Array) {
      const out = new Float64Array(idx.length);
      for (let k = 0; k < idx.length; k++) out[k] = col[idx[k] as number] as number;
      columns.set(name, out);
    } else {
      const out: (string | null)[] = new Array(idx.length);
      for (let k = 0; k < idx.length; k++) out[k] = col[idx[k] as number] ?? null;
      columns.set(name, out);
    }
  }
  return { n: idx.length, columns };
}

export function rowAt(table: DataTable, i: number): IndicatorRow {
  const row: Record<string, IndicatorValue> = {};
  for (const [name, col] of table.columns) row[name] = col[i] ?? null;
  return row;
}

export function asColumnarInput(table: DataTable): ColumnarInput {
  return { n: table.n, columns: Object.fromEntries(table.columns) };
}

/**
 * 0/1 labels from raw label strings. With `positive` given, that value is 1 and anything else 0;
 * otherwise 1/0, true/false, yes/no, y/n are accepted. Missing or unknown values throw, naming the line.
 */
export function parseLabels(raw: readonly string[], lines: readonly number[], positive?: string): Uint8Array {
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = (raw[i] ?? "").trim();
    const line = lines[i] ?? i + 2;
    if (isMissingToken(v)) throw new Error(`line ${line}: label is missing`);
    if (positive !== undefined) {
      out[i] = v === positive ? 1 : 0;
      continue;
    }
    const t = v.toLowerCase();
    if (["1", "true", "yes", "y"].includes(t)) out[i] = 1;
    else if (["0", "false", "no", "n"].includes(t)) out[i] = 0;
    else throw new Error(`line ${line}: label "${v}" is not 0/1, true/false or yes/no (use --positive VALUE)`);
  }
  return out;
}
