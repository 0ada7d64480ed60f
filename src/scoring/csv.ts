// A small RFC 4180 CSV reader/writer. Pure string functions: the CLI does the file I/O.
// Accepts LF or CRLF line ends, quoted fields with embedded commas, quotes ("") and newlines,
// and an optional UTF-8 BOM. Errors name the 1-based line where the offending record starts.

export class CsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = "CsvError";
  }
}

/**
 * Calls onRecord(fields, line) for every record (the header included, line 1).
 * Blank lines are skipped. Every record must have as many fields as the first one.
 */
export function forEachCsvRecord(text: string, onRecord: (fields: string[], line: number) => void): void {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  let line = 1;
  let width = -1;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let atRecordEnd = false;
    // blank line
    if (text.charCodeAt(i) === 10 || (text.charCodeAt(i) === 13 && text.charCodeAt(i + 1) === 10)) {
      i += text.charCodeAt(i) === 13 ? 2 : 1;
      line++;
      continue;
    }
    while (!atRecordEnd) {
      let value: string;
      if (text.charCodeAt(i) === 34) {
        // quoted field
        let j = i + 1;
        let out = "";
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) throw new CsvError(startLine, "unterminated quoted field");
          const chunk = text.slice(j, q);
          for (let k = 0; k < chunk.length; k++) if (chunk.charCodeAt(k) === 10) line++;
          out += chunk;
          if (text.charCodeAt(q + 1) === 34) {
            out += '"';
            j = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
        value = out;
        const c = text.charCodeAt(i);
        if (i < n && c !== 44 && c !== 10 && c !== 13) {
          throw new CsvError(line, `unexpected character after closing quote in field ${fields.length + 1}`);
        }
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === 44 || c === 10 || c === 13) break;
          if (c === 34) throw new CsvError(line, `stray quote inside unquoted field ${fields.length + 1}`);
          j++;
        }
        value = text.slice(i, j);
        i = j;
      }
      fields.push(value);
      const c = text.charCodeAt(i);
      if (c === 44) {
        i++;
      } else {
        if (c === 13 && text.charCodeAt(i + 1) === 10) i += 2;
        else if (c === 10 || c === 13) i++;
        line++;
        atRecordEnd = true;
      }
    }
    if (width < 0) width = fields.length;
    else if (fields.length !== width) {
      throw new CsvError(startLine, `expected ${width} fields, found ${fields.length}`);
    }
    onRecord(fields, startLine);
  }
}

export function parseCsv(text: string): { header: string[]; rows: string[][]; lines: number[] } {
  let header: string[] | null = null;
  const rows: string[][] = [];
  const lines: number[] = [];
  forEachCsvRecord(text, (fields, line) => {
    if (header === null) header = fields;
    else {
      rows.push(fields);
      lines.push(line);
    }
  });
  if (header === null) throw new CsvError(1, "empty file: a header row is required");
  return { header, rows, lines };
}

/** Quote a field only when it needs it (comma, quote, CR or LF, or leading/trailing space). */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return "";
  const s = typeof value === "number" ? (Number.isFinite(value) ? String(value) : "") : String(value);
  if (/[",\r\n]/.test(s) || s.trimStart() !== s || s.trimEnd() !== s) return `"${s.replace(/"/g, '""')}"`;
  return s;
}

export function csvLine(values: readonly (string | number | boolean | null | undefined)[]): string {
  return values.map(csvField).join(",") + "\n";
}
