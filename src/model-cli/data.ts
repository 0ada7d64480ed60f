// Reading a labelled CSV into a table: label column split off, time-like columns set aside,
// column types detected (or forced by --numeric / --categorical, or by a model's features).
import { readFileSync } from "node:fs";
import {
  looksLikeDates,
  parseCsv,
  parseLabels,
  tableFromRecords,
  type DataTable,
  type ModelArtifact,
} from "../scoring/index.js";

export interface LoadedData {
  table: DataTable;
  labels: Uint8Array | null;
  header: string[];
  /** 1-based line of each row, for messages */
  lines: number[];
  /** ISO-date columns: not features, but usable with --time */
  dateColumns: string[];
  raw: (name: string) => string[];
}

export interface LoadOptions {
  label?: string;
  positive?: string;
  numeric?: string[];
  categorical?: string[];
  model?: ModelArtifact;
}

export function loadCsv(path: string, opts: LoadOptions): LoadedData {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let parsed: ReturnType<typeof parseCsv>;
  try {
    parsed = parseCsv(text);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  const { header, rows, lines } = parsed;
  if (new Set(header).size !== header.length) throw new Error(`${path}: line 1: duplicate column names in the header`);
  const col = (name: string) => {
    const j = header.indexOf(name);
    if (j < 0) throw new Error(`${path}: column "${name}" is not in the header (${header.join(", ")})`);
    return rows.map((r) => r[j] as string);
  };
  let labels: Uint8Array | null = null;
  if (opts.label !== undefined) {
    try {
      labels = parseLabels(col(opts.label), lines, opts.positive);
    } catch (e) {
      throw new Error(`${path}: ${(e as Error).message}`);
    }
  }
  const numeric = [...(opts.numeric ?? [])];
  const categorical = [...(opts.categorical ?? [])];
  for (const f of opts.model?.features ?? []) (f.type === "numeric" ? numeric : categorical).push(f.id);
  const dateColumns = header.filter((h) => h !== opts.label && !numeric.includes(h) && !categorical.includes(h) && looksLikeDates(col(h)));
  const keep = header.map((h, j) => [h, j] as const).filter(([h]) => h !== opts.label);
  const table = tableFromRecords(
    keep.map(([h]) => h),
    rows.map((r) => keep.map(([, j]) => r[j] as string)),
    { numeric, categorical: [...categorical, ...dateColumns] },
  );
  return { table, labels, header, lines, dateColumns, raw: col };
}
