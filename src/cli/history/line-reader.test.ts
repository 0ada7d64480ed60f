// Reading a history file: byte offsets a load can seek back to, digests of exactly the bytes
// handed out, and rows from NDJSON and CSV (blank lines, CRLF, BOM, quoted multi-line cells).
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadSpec } from "../../http/spec.js";
import { UsageError } from "../args.js";
import { csvRecordBuilder, recordSchemaOf } from "./csv-columns.js";
import { fingerprintOf, LineReader, type FileLine } from "./line-reader.js";
import { csvRows, ndjsonRows, type Row, type RowParser } from "./rows.js";

const dir = mkdtempSync(join(tmpdir(), "csg-lines-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, data: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
};
const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

async function lines(path: string, from = { offset: 0, line: 1 }, max?: number): Promise<FileLine[]> {
  const out: FileLine[] = [];
  for await (const l of new LineReader(path, from, max).lines()) out.push(l);
  return out;
}

async function rows(path: string, parser: RowParser): Promise<Row[]> {
  const out: Row[] = [];
  for await (const l of new LineReader(path, { offset: 0, line: 1 }).lines()) {
    const r = parser.take(l);
    if (r) out.push(r);
  }
  const last = parser.end();
  if (last) out.push(last);
  return out;
}

describe("LineReader", () => {
  it("knows where each line ends (LF, CRLF, BOM, no final newline) and resumes from an offset", async () => {
    const path = write("a.txt", "\ufeffone\r\ntwo\n\nthree");
    const all = await lines(path);
    expect(all.map((l) => [l.number, l.text, l.end])).toEqual([
      [1, "one", 8],
      [2, "two", 12],
      [3, "", 13],
      [4, "three", 18],
    ]);
    expect((await lines(path, { offset: 12, line: 3 })).map((l) => [l.number, l.text])).toEqual([
      [3, ""],
      [4, "three"],
    ]);
  });

  it("hashes exactly the bytes of the lines handed out since the last digest", async () => {
    const text = "alpha\nbeta\ngamma\n";
    const reader = new LineReader(write("d.txt", text), { offset: 0, line: 1 });
    const digests: string[] = [];
    for await (const l of reader.lines()) if (l.number === 2) digests.push(reader.takeDigest());
    digests.push(reader.takeDigest());
    expect(digests).toEqual([sha("alpha\nbeta\n"), sha("gamma\n")]);
  });

  it("marks bad UTF-8 and over-long lines unreadable without holding them", async () => {
    const path = write("bad.txt", Buffer.concat([Buffer.from("ok\n"), Buffer.from([0xc3, 0x28, 0x0a]), Buffer.from("x".repeat(50) + "\nend\n")]));
    const got = await lines(path, { offset: 0, line: 1 }, 20);
    expect(got.map((l) => [l.number, l.text, l.problem])).toEqual([
      [1, "ok", undefined],
      [2, undefined, "the line is not valid UTF-8"],
      [3, undefined, "the line is longer than 20 bytes"],
      [4, "end", undefined],
    ]);
  });

  it("fingerprints a file by its size and its edges", async () => {
    const a = await fingerprintOf(write("f1.txt", "x".repeat(200_000)));
    const b = await fingerprintOf(write("f2.txt", "x".repeat(199_999) + "y"));
    expect(a.size).toBe(200_000);
    expect(a.fingerprint).not.toBe(b.fingerprint);
  });
});

describe("rows", () => {
  const events = recordSchemaOf(loadSpec().document, "EventRecord");
  const merchants = recordSchemaOf(loadSpec().document, "MerchantRecord");

  it("reads NDJSON records and reports lines that are not JSON", async () => {
    const got = await rows(write("e.ndjson", '{"eventId":"e1"}\n\n{oops\n'), ndjsonRows("eventId"));
    expect(got).toEqual([
      { line: 1, id: "e1", record: { eventId: "e1" } },
      { line: 3, id: undefined, error: { code: "MALFORMED_LINE", message: expect.stringContaining("line 3 is not JSON") } },
    ]);
  });

  it("reads CSV by the schema's fields: JSON cells, numbers, empty cells left out, quoted cells over several lines", async () => {
    const header = ["shopId", "name", "entityType", "uscc", "regionCode", "address", "category", "licences"];
    const text = [header.join(","), 's1,"Tea, House",enterprise,,510104,"1 Road\n2nd floor",food,"[{""type"":""food"",""number"":""JY1""}]"', "s2,X", ""].join("\n");
    const got = await rows(write("m.csv", text), csvRows(merchants, header, "shopId", true));
    expect(got).toEqual([
      {
        line: 2,
        id: "s1",
        record: { shopId: "s1", name: "Tea, House", entityType: "enterprise", regionCode: "510104", address: "1 Road\n2nd floor", category: "food", licences: [{ type: "food", number: "JY1" }] },
      },
      { line: 4, id: "s2", error: { code: "MALFORMED_LINE", message: "expected 8 fields as in the header, found 2" } },
    ]);
  });

  it("refuses a header with unknown, repeated or missing columns", () => {
    expect(() => csvRecordBuilder(events, ["eventId", "shopId", "kind", "occurredAt", "data"])).not.toThrow();
    expect(() => csvRecordBuilder(events, ["eventId", "shopId", "kind", "when", "data", "data"])).toThrow(UsageError);
    expect(() => csvRecordBuilder(events, ["eventId", "shopId", "kind", "when", "data", "data"])).toThrow(/"when" is not a field.*data appears twice.*occurredAt is missing/);
  });

  it("reports a quoted cell left open at the end of the file", async () => {
    const header = ["eventId", "shopId", "kind", "occurredAt", "data"];
    const got = await rows(write("open.csv", `${header.join(",")}\ne1,s1,complaint,2025-01-01T00:00:00Z,"{\n`), csvRows(events, header, "eventId", true));
    expect(got).toEqual([{ line: 2, id: undefined, error: { code: "MALFORMED_LINE", message: "CSV: unterminated quoted field at the end of the file" } }]);
  });
});
