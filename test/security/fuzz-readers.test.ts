// Property-based fuzzing of the history loader's row readers (CSV, RFC 4180 with quoted fields
// spanning lines; NDJSON): any sequence of lines — quotes, commas, CR, NUL, lone surrogates,
// unreadable lines, an unterminated quote at the end — gives for each line nothing, a record, or
// a MALFORMED_LINE row (a header lacking required columns refuses the file as a usage error
// first); the reader never throws, never reports a line it has not seen, and is at a
// chunk boundary after every completed record.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/args.js";
import { recordSchemaOf } from "../../src/cli/history/csv-columns.js";
import type { FileLine } from "../../src/cli/history/line-reader.js";
import { csvRows, ndjsonRows, parseCsvHeader, type Row, type RowParser } from "../../src/cli/history/rows.js";
import { loadSpec } from "../../src/http/spec.js";
import { CsvError } from "../../src/scoring/csv.js";

const document = loadSpec().document;
const schemas = { merchant: recordSchemaOf(document, "MerchantRecord"), event: recordSchemaOf(document, "EventRecord") };

const cell = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('"', '""', '"a,b"', '"open', "close\"", ",", "\r", "\u0000", "\ud800", "𠮷", "2025-01-01T00:00:00Z", "510104", "complaint", "{\"channel\":\"platform\"}", "-1", "1e999"),
);
const csvLine = fc.array(cell, { maxLength: 12 }).map((cells) => cells.join(","));
const line = fc.oneof({ weight: 8, arbitrary: csvLine.map((text) => ({ text })) }, { weight: 1, arbitrary: fc.constant({ text: undefined, problem: "not UTF-8" }) });

function run(parser: RowParser, texts: Array<{ text: string | undefined; problem?: string }>, csv: boolean): Row[] {
  const rows: Row[] = [];
  texts.forEach((t, i) => {
    const fileLine: FileLine = { number: i + 1, text: t.text, end: 0, ...(t.problem ? { problem: t.problem } : {}) };
    const row = parser.take(fileLine);
    if (row) {
      rows.push(row);
      expect(row.line).toBeGreaterThanOrEqual(1);
      expect(row.line).toBeLessThanOrEqual(i + 1);
    }
  });
  const last = parser.end();
  if (last) rows.push(last);
  expect(parser.atBoundary()).toBe(true);
  for (const row of rows) {
    if ("error" in row) expect(row.error.code).toBe("MALFORMED_LINE");
    // A CSV row becomes an object; an NDJSON line any JSON value (the ingestion verbs judge it).
    else if (csv) expect(row.record).toBeTypeOf("object");
  }
  return rows;
}

describe("fuzzing the history loader's row readers", () => {
  for (const [kind, idKey] of [["merchant", "shopId"], ["event", "eventId"]] as const) {
    it(`CSV (${kind}s): every line gives nothing, a record or MALFORMED_LINE; never a throw`, () => {
      fc.assert(
        fc.property(fc.oneof(csvLine, fc.constant(kind === "merchant" ? "shopId,name,entityType,uscc,regionCode,address,category" : "eventId,shopId,kind,occurredAt,data")), fc.array(line, { maxLength: 25 }), fc.boolean(), (headerText, lines, skipHeader) => {
          let parser: RowParser;
          try {
            parser = csvRows(schemas[kind], parseCsvHeader(headerText), idKey, skipHeader);
          } catch (err) {
            // A header that is not CSV (the loader reports it as a usage error) or lacks the
            // required columns refuses the whole file, before any row.
            expect(err instanceof UsageError || err instanceof CsvError, String(err)).toBe(true);
            return;
          }
          run(parser, lines, true);
        }),
        { numRuns: 300 },
      );
    });
  }

  it("NDJSON: every line gives nothing, a value or MALFORMED_LINE; never a throw", () => {
    const ndLine = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }).map((v) => ({ text: JSON.stringify(v) as string | undefined })),
      fc.string({ maxLength: 40 }).map((text) => ({ text: text as string | undefined })),
      fc.tuple(fc.jsonValue({ maxDepth: 3 }), fc.nat()).map(([v, cut]) => {
        const text = JSON.stringify(v);
        return { text: text.slice(0, cut % (text.length + 1)) as string | undefined };
      }),
      fc.constant({ text: undefined as string | undefined, problem: "longer than the limit" }),
    );
    fc.assert(
      fc.property(fc.array(ndLine, { maxLength: 25 }), (lines) => {
        const rows = run(ndjsonRows("eventId"), lines, false);
        // A line that is JSON is read as it is; one that is not is MALFORMED_LINE.
        rows.forEach((row) => {
          const source = lines[row.line - 1]!.text;
          if ("error" in row) return;
          expect(row.record).toEqual(JSON.parse(source!));
        });
      }),
      { numRuns: 300 },
    );
  });
});
